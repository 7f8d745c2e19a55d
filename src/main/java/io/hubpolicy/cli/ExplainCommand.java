package io.hubpolicy.cli;

import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.format.KubeJson;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.FieldTrace;
import io.hubpolicy.model.FiredRule;
import io.hubpolicy.model.NotApplied;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** "Why does this user get that?" as text an admin can read, for one field or all of them. */
@Command(
    name = "explain",
    mixinStandardHelpOptions = true,
    description = {
      "Explains a decision in words: the profiles that applied, the rules that fired, who set",
      "each field and what it overrode, and why the other profiles did not apply."
    })
final class ExplainCommand implements Callable<Integer> {
  @Mixin RequestOptions spawn;

  @Option(
      names = "--field",
      paramLabel = "PREFIX",
      description = "Only fields starting with this, e.g. env.MEM_LIMIT or resources.limits.")
  String field;

  @Mixin ConfigOptions config;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Decision d = new DecisionEngine(config.build()).decide(spawn.request());
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "Decision %s (revision %s) for user %s, image %s, size %s: %s%n",
        d.decisionId(),
        d.revision(),
        d.user(),
        d.image() == null ? "(none)" : d.image(),
        d.size() == null ? "(none)" : d.size(),
        d.allowed() ? "allowed" : "DENIED");
    d.reasons().forEach(r -> out.println("  reason: " + r));
    out.println(
        "Profiles applied, in order: "
            + (d.profiles().isEmpty() ? "(none)" : String.join(", ", d.profiles())));
    out.println("Rules fired, in order:");
    int i = 1;
    for (FiredRule r : d.firedRules()) {
      out.printf(
          "  %2d. %s%s (salience %d)%n",
          i++, r.rule(), r.profile() == null ? "" : " [" + r.profile() + "]", r.salience());
    }
    out.println("Fields:");
    for (Map.Entry<String, FieldTrace> e : d.fields().entrySet()) {
      if (field != null && !e.getKey().startsWith(field)) {
        continue;
      }
      FieldTrace t = e.getValue();
      out.printf("  %s = %s%n      set by %s%n", e.getKey(), show(t.value()), t.setBy());
      for (FieldTrace.Overridden o : t.overrode()) {
        out.printf("      overrode %s from %s%n", show(o.value()), o.setBy());
      }
    }
    if (field == null) {
      List<NotApplied> notApplied = d.notApplied().get();
      out.println("Profiles that did not apply:" + (notApplied.isEmpty() ? " (none)" : ""));
      notApplied.forEach(n -> out.printf("  %s: %s%n", n.profile(), n.reason()));
    }
    return Main.OK;
  }

  private static String show(Object v) {
    if (v == null) {
      return "(removed)";
    }
    if (v instanceof String || v instanceof Number || v instanceof Boolean) {
      return String.valueOf(v);
    }
    if (v instanceof io.fabric8.kubernetes.api.model.Quantity q) {
      return q.toString();
    }
    if (v instanceof io.hubpolicy.model.ServiceSpec
        || v instanceof io.hubpolicy.model.ProfileVolume) {
      return v.toString();
    }
    return KubeJson.SERIALIZATION.asJson(v);
  }
}
