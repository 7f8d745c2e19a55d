package io.hubpolicy.app;

import io.hubpolicy.api.DecisionQuery;
import io.hubpolicy.api.HttpApi;
import io.hubpolicy.api.PolicyCalls;
import io.hubpolicy.auth.Tokens;
import io.hubpolicy.console.Console;
import io.hubpolicy.console.DecisionHistory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The console's part of the composition root: its settings checked, its history, its uploads. */
final class ConsolePages {
  private static final Logger LOG = LoggerFactory.getLogger(ConsolePages.class);

  private ConsolePages() {}

  /** The console at /ui/, reading history through the same query as the API; or none. */
  static HttpApi.Pages of(
      ServeSettings.Ui ui, PolicyCalls calls, Tokens tokens, Wiring.Closer closer) {
    if (!ui.enabled()) {
      return HttpApi.Pages.NONE;
    }
    Console.HubSettings hub = null;
    if (ui.hubUrl() != null) {
      String secret =
          ui.clientSecretFile() != null
              ? Wiring.setting(
                  "--ui-client-secret-file",
                  () -> {
                    try {
                      return Files.readString(ui.clientSecretFile(), StandardCharsets.UTF_8)
                          .strip();
                    } catch (IOException e) {
                      throw new UncheckedIOException(
                          "cannot read " + ui.clientSecretFile() + ": " + e.getMessage(), e);
                    }
                  })
              : System.getenv("HUBPOLICY_UI_CLIENT_SECRET");
      if (secret == null || secret.isBlank()) {
        throw new SettingException(
            "--ui-client-secret-file",
            "--ui-hub-url needs the OAuth client secret (the service's api_token): set"
                + " HUBPOLICY_UI_CLIENT_SECRET or pass --ui-client-secret-file");
      }
      hub =
          new Console.HubSettings(
              ui.hubUrl(), ui.hubApiUrl(), ui.clientId(), secret, ui.callbackUrl(), ui.groups());
    }
    DecisionHistory history =
        new DecisionHistory() {
          @Override
          public String search(Map<String, String> filters) {
            return calls.history(DecisionQuery.parse(filters::get)).get().json();
          }

          @Override
          public String get(String decisionId) {
            return calls.lookup(decisionId).get();
          }
        };
    Path uploads;
    try {
      uploads = Files.createTempDirectory("hubpolicy-ui-uploads");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a directory for console uploads", e);
    }
    closer.add(() -> Files.deleteIfExists(uploads));
    Console c = new Console(calls, history, tokens, hub, uploads);
    LOG.info("{}", c.describe());
    return c;
  }
}
