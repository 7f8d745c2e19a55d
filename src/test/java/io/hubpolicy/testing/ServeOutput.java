package io.hubpolicy.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What a started {@code serve} process prints on its standard output. */
public final class ServeOutput {
  private ServeOutput() {}

  /**
   * The first line of {@code process}'s standard output that matches {@code line} (its "serving on"
   * line, whose groups give the URL or port); failed if the output ends first. The output is read
   * to its end on a daemon thread named {@code name}, so the process never blocks on a full pipe.
   */
  public static CompletableFuture<MatchResult> firstMatch(
      Process process, Pattern line, String name) {
    CompletableFuture<MatchResult> found = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                  Matcher m = line.matcher(l);
                  if (m.matches()) {
                    found.complete(m.toMatchResult());
                  }
                }
              } catch (IOException e) {
                found.completeExceptionally(e);
              }
              found.completeExceptionally(new IOException("serve exited before serving"));
            },
            name);
    reader.setDaemon(true);
    reader.start();
    return found;
  }
}
