package io.hubpolicy.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code kubectl kustomize DIR}: renders a kustomization as {@code kubectl apply -k} would apply
 * it. Needs kubectl (1.14+ has kustomize built in; 1.32 has kustomize 5) on PATH or at {@code
 * -Dhubpolicy.kubectl=PATH}; without it the calling test is skipped with the reason (or fails where
 * {@code HUBPOLICY_REQUIRE} names {@value #PART}).
 */
public final class Kustomize {
  public static final String PART = "kubectl";

  private Kustomize() {}

  /** Where kubectl is, if anywhere. */
  public static Optional<Path> kubectl() {
    String configured = System.getProperty("hubpolicy.kubectl");
    if (configured != null && !configured.isBlank()) {
      Path p = Path.of(configured);
      return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    return Commands.onPath("kubectl");
  }

  /**
   * Why this kubectl cannot render deploy/, or null. deploy/ uses kustomize components (kustomize
   * 3.7+); kubectl 1.21+ says "Kustomize Version: v4..." or later. kubectl 1.20 (Debian 12's
   * kubernetes-client) embeds kustomize v2.0.3, which rejects them.
   */
  static String tooOld(Path kubectl) {
    Commands.Result v =
        Commands.run(List.of(kubectl.toString(), "version", "--client"), Duration.ofSeconds(30));
    Matcher m = Pattern.compile("Kustomize Version: v(\\d+)").matcher(v.stdout());
    if (v.ok() && m.find() && Integer.parseInt(m.group(1)) >= 4) {
      return null;
    }
    String first = v.stdout().lines().findFirst().orElse(v.describe());
    return kubectl
        + " ("
        + first.strip()
        + ") has no kustomize 4 or later, which deploy/ needs (components): use kubectl 1.21+,"
        + " or -Dhubpolicy.kubectl=PATH";
  }

  /** The rendered YAML of the kustomization in {@code dir}; skips the test without kubectl. */
  public static String render(Path dir) {
    Path kubectl =
        kubectl()
            .orElseThrow(
                () ->
                    Parts.missing(
                        PART,
                        "needs kubectl (with its built-in kustomize) on PATH to render "
                            + dir
                            + ": apt-get install kubernetes-client (.ci/run installs it), or"
                            + " -Dhubpolicy.kubectl=PATH"));
    String old = tooOld(kubectl);
    if (old != null) {
      throw Parts.missing(PART, old);
    }
    Commands.Result r =
        Commands.run(
            List.of(kubectl.toString(), "kustomize", dir.toAbsolutePath().toString()),
            Duration.ofSeconds(60));
    if (!r.ok()) {
      throw new AssertionError("cannot render " + dir + ": " + r.describe());
    }
    return r.stdout();
  }
}
