package io.hubpolicy.cli;

import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.format.KubeJson;
import io.hubpolicy.model.Decision;
import io.hubpolicy.model.FieldTrace;
import io.hubpolicy.model.FiredRule;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.NotApplied;
import io.hubpolicy.model.Profile;
import io.hubpolicy.model.WhyNot;
import java.io.PrintWriter;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

  @Option(
      names = "--profile",
      paramLabel = "NAME",
      description = "Only why this profile did or did not apply, and what it set.")
  String profile;

  @Mixin ConfigOptions config;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    RuleBase rb = config.build();
    Decision d = new DecisionEngine(rb).decide(spawn.request());
    PrintWriter out = spec.commandLine().getOut();
    if (field != null && d.fields().keySet().stream().noneMatch(k -> k.startsWith(field))) {
      throw new InvalidRequestException(
          "field",
          "no field of this decision starts with '"
              + field
              + "'; its fields are: "
              + String.join(", ", d.fields().keySet()));
    }
    out.printf(
        "Decision %s (revision %s) for user %s, image %s, size %s: %s%n",
        d.decisionId(),
        d.revision(),
        d.user(),
        d.image() == null ? "(none)" : d.image(),
        d.size() == null ? "(none)" : d.size(),
        d.allowed() ? "allowed" : "DENIED");
    d.reasons().forEach(r -> out.println("  reason: " + r));
    d.warnings()
        .forEach(w -> out.printf("  warning (rule '%s', warn mode): %s%n", w.rule(), w.reason()));
    d.exceptions()
        .forEach(
            e ->
                out.printf(
                    "  exception '%s' (%s, until %s) kept %s from acting: %s%n",
                    e.name(), e.source(), e.until(), String.join(", ", e.rules()), e.reason()));
    if (profile != null) {
      explainProfile(rb, d, out);
      return Main.OK;
    }
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
      if (field == null || e.getKey().startsWith(field)) {
        printTrace(out, e.getKey(), e.getValue());
      }
    }
    if (field == null) {
      // The close ones first (naming the user but not the image, or the image but not the user):
      // they are what an admin asking "why not that profile?" most likely means.
      WhyNot whyNot = d.notApplied();
      List<NotApplied> close = whyNot.close(Integer.MAX_VALUE).shown();
      out.println(
          "Profiles that came close but did not apply:" + (close.isEmpty() ? " (none)" : ""));
      close.forEach(n -> out.printf("  %s: %s%n", n.profile(), n.reason()));
      Set<Integer> shown = new HashSet<>();
      close.forEach(n -> shown.add(n.order()));
      List<NotApplied> others =
          whyNot.all().stream().filter(n -> !shown.contains(n.order())).toList();
      out.println("Other profiles that did not apply:" + (others.isEmpty() ? " (none)" : ""));
      others.forEach(n -> out.printf("  %s: %s%n", n.profile(), n.reason()));
    }
    return Main.OK;
  }

  /**
   * Why the profile named {@link #profile} did or did not apply; when it did, every field it set,
   * and whether a later writer overrode it.
   */
  private void explainProfile(RuleBase rb, Decision d, PrintWriter out) {
    List<Profile> named =
        rb.config().profiles().stream().filter(p -> p.name().equals(profile)).toList();
    if (named.isEmpty()) {
      throw new InvalidRequestException(
          "profile",
          "no profile is named '"
              + profile
              + "'; the profiles are: "
              + String.join(
                  ", ", rb.config().profiles().stream().map(Profile::name).distinct().toList()));
    }
    List<Profile> profiles = rb.config().profiles();
    for (int position = 0; position < profiles.size(); position++) {
      Profile p = profiles.get(position);
      if (!p.name().equals(profile)) {
        continue;
      }
      out.printf("Profile '%s' (%s, position %d):%n", p.name(), p.source(), p.order() + 1);
      NotApplied why = d.notApplied().of(position);
      if (why != null) {
        out.printf("  did not apply: %s%n", why.reason());
        continue;
      }
      out.println("  applied");
      boolean any = false;
      for (Map.Entry<String, FieldTrace> e : d.fields().entrySet()) {
        FieldTrace t = e.getValue();
        if (profile.equals(t.setBy().profile())) {
          out.printf("  set %s = %s (kept)%n", e.getKey(), show(t.value()));
          any = true;
        }
        for (FieldTrace.Overridden o : t.overrode()) {
          if (profile.equals(o.setBy().profile())) {
            out.printf("  set %s = %s, overridden by %s%n", e.getKey(), show(o.value()), t.setBy());
            any = true;
          }
        }
      }
      if (!any) {
        out.println("  (it set nothing that is in the decision)");
      }
    }
  }

  private static void printTrace(PrintWriter out, String key, FieldTrace t) {
    out.printf("  %s = %s%n      set by %s%n", key, show(t.value()), t.setBy());
    for (FieldTrace.Overridden o : t.overrode()) {
      out.printf("      overrode %s from %s%n", show(o.value()), o.setBy());
    }
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
