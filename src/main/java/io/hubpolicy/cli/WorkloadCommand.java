package io.hubpolicy.cli;

import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.workload.WorkloadGenerator;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "workload",
    mixinStandardHelpOptions = true,
    description = {
      "Writes a generated benchmark workload: a configuration of N profiles shaped like a large",
      "deployment (profiles.yaml) and requests drawn from the same users, groups, images and",
      "sizes (requests.jsonl, one POST /v1/decisions body per line). Seeded: the same options",
      "give the same files, so the workload can be fed to anything. See BENCHMARKS.md."
    })
final class WorkloadCommand implements Callable<Integer> {
  @Option(
      names = "--profiles",
      paramLabel = "N",
      defaultValue = "1000",
      description = "Number of profiles. Default: ${DEFAULT-VALUE}.")
  int profiles;

  @Option(
      names = "--requests",
      paramLabel = "N",
      defaultValue = "10000",
      description = "Number of requests. Default: ${DEFAULT-VALUE}.")
  int requests;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Random seed. Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      required = true,
      description = "Directory to write profiles.yaml and requests.jsonl to (created if needed).")
  Path out;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    if (profiles < 1 || requests < 0) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--profiles must be at least 1 and --requests not negative");
    }
    WorkloadGenerator.Workload w = WorkloadGenerator.generate(profiles, requests, seed);
    Files.createDirectories(out);
    Path yaml = out.resolve("profiles.yaml");
    Path jsonl = out.resolve("requests.jsonl");
    Files.writeString(yaml, w.yaml(), StandardCharsets.UTF_8);
    try (BufferedWriter wr = Files.newBufferedWriter(jsonl, StandardCharsets.UTF_8)) {
      for (SpawnRequest r : w.requests()) {
        wr.write(WorkloadGenerator.requestBody(r));
        wr.write('\n');
      }
    }
    PrintWriter o = spec.commandLine().getOut();
    o.printf(
        "wrote %s (%d profiles) and %s (%d requests), seed %d%n",
        yaml, profiles, jsonl, requests, seed);
    o.flush();
    return Main.OK;
  }
}
