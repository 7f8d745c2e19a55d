package io.hubpolicy.cli;

import io.fabric8.kubernetes.api.model.Pod;
import io.hubpolicy.api.DecideCall;
import io.hubpolicy.api.DecisionJson;
import io.hubpolicy.api.DecisionService;
import io.hubpolicy.app.Offline;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.model.InvalidRequestException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "decide",
    mixinStandardHelpOptions = true,
    description = "Prints the decision for one spawn as JSON, with the reasons for every field.")
final class DecideCommand implements Callable<Integer> {
  @Mixin RequestOptions spawn;

  @Option(
      names = "--pod",
      paramLabel = "FILE",
      description = "A Pod (JSON or YAML) to apply the decision to.")
  Path pod;

  @Option(
      names = "--explain",
      defaultValue = "close",
      description = {
        "close (the default: who set each field, and why the profiles that came close did not",
        "apply: those naming the user but not the image, or the image but not the user; at most",
        "25), full (instead of the close ones, a page of every profile that did not apply; see",
        "--offset, --limit), fields, or none."
      })
  String explain;

  @Option(
      names = "--offset",
      paramLabel = "N",
      description =
          "With --explain full: the first profile that did not apply to list. Default: 0.")
  String offset;

  @Option(
      names = "--limit",
      paramLabel = "N",
      description =
          "With --explain full: how many profiles that did not apply to list, 1 to 1000. Default:"
              + " 100.")
  String limit;

  @Option(
      names = "--namespace",
      defaultValue = "default",
      description =
          "Namespace the services' manifests are rendered for. Default: ${DEFAULT-VALUE}.")
  String namespace;

  @Mixin ConfigOptions config;

  @Override
  public Integer call() throws IOException {
    DecisionJson.Explain level = DecisionJson.Explain.parse(explain, offset, limit);
    Pod input = null;
    if (pod != null) {
      if (!Files.isRegularFile(pod)) {
        throw new InvalidRequestException("pod", "no such file: " + pod);
      }
      input = DecideCall.podFromText(Files.readString(pod), pod.toString());
    }
    RuleBase rb = config.build();
    // Templates come from the configuration's files (ConfigMaps without profiles, Templates).
    DecisionService service = Offline.decisions(rb, namespace);
    var answer = service.decide(new DecideCall(spawn.request(), input, spawn.server), level);
    System.out.println(DecisionJson.pretty(answer.tree()));
    return Main.OK;
  }
}
