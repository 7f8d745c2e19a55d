package io.hubpolicy.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The model may import only the JDK and fabric8's Kubernetes model types: never Drools, the
 * Kubernetes client, Jackson or HTTP, so the domain cannot reach the edges.
 */
class ModelImportsTest {
  @Test
  void modelImportsOnlyTheJdkAndKubernetesModelTypes() throws IOException {
    List<String> offending = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of("src/main/java/io/hubpolicy/model"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        for (String line : Files.readAllLines(f)) {
          String l = line.trim();
          if (l.startsWith("import ")
              && !l.matches("import (static )?(java|javax)\\..*")
              && !l.startsWith("import io.fabric8.kubernetes.api.model.")
              && !l.startsWith("import io.hubpolicy.model.")) {
            offending.add(f.getFileName() + ": " + l);
          }
        }
      }
    }
    assertEquals(List.of(), offending);
  }
}
