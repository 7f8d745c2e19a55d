package io.hubpolicy.console;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Logging in with JupyterHub when hubpolicy is registered as a hub service: JupyterHub's own OAuth2
 * provider ({@code /hub/api/oauth2/authorize}, the code exchanged at {@code /hub/api/oauth2/token},
 * the user read from {@code /hub/api/user}). The token the hub grants carries its identify scopes,
 * which show the user's {@code name}, {@code admin} flag and {@code groups}: hub admins may use the
 * console, and members of the configured groups.
 */
final class HubLogin {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /**
   * @param url the hub as browsers reach it ({@code https://hub.example.com}), for the redirect
   * @param apiUrl the hub's API as hubpolicy reaches it ({@code http://hub:8081/hub/api})
   * @param clientId the service's OAuth client id ({@code service-<name>} by default in JupyterHub)
   * @param clientSecret the service's {@code api_token}, which JupyterHub uses as its client secret
   * @param callbackUrl the {@code oauth_redirect_uri} registered with the hub; null: this server's
   *     {@code /ui/oauth/callback} as the browser addressed it
   * @param groups hub groups whose members may log in besides hub admins
   */
  record Settings(
      String url,
      String apiUrl,
      String clientId,
      String clientSecret,
      String callbackUrl,
      List<String> groups) {
    Settings {
      url = trimSlash(url);
      apiUrl = trimSlash(apiUrl == null || apiUrl.isBlank() ? url + "/hub/api" : apiUrl);
      groups = List.copyOf(groups);
    }

    private static String trimSlash(String s) {
      return s != null && s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
  }

  /** Who the hub says logged in. */
  record Identity(String name, boolean admin, List<String> groups) {}

  /** The hub refused or could not be understood; the message is safe to show. */
  static final class HubException extends Exception {
    HubException(String message) {
      super(message, null, false, false);
    }
  }

  private final Settings settings;
  private final HttpClient http;

  HubLogin(Settings settings, HttpClient http) {
    this.settings = settings;
    this.http = http;
  }

  Settings settings() {
    return settings;
  }

  /** Where the browser is sent to log in at the hub. */
  String authorizeUrl(String state, String redirectUri) {
    Map<String, String> q = new LinkedHashMap<>();
    q.put("client_id", settings.clientId());
    q.put("redirect_uri", redirectUri);
    q.put("response_type", "code");
    q.put("state", state);
    return settings.url() + "/hub/api/oauth2/authorize?" + form(q);
  }

  /** Exchanges the code for a token and asks the hub who it belongs to; blocks. */
  Identity identify(String code, String redirectUri) throws HubException {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("client_id", settings.clientId());
    f.put("client_secret", settings.clientSecret());
    f.put("grant_type", "authorization_code");
    f.put("code", code);
    f.put("redirect_uri", redirectUri);
    JsonNode token =
        call(
            HttpRequest.newBuilder(URI.create(settings.apiUrl() + "/oauth2/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form(f))),
            "exchanging the login code");
    String access = token.path("access_token").asString("");
    if (access.isEmpty()) {
      throw new HubException("the hub answered the code exchange without an access_token");
    }
    JsonNode user =
        call(
            HttpRequest.newBuilder(URI.create(settings.apiUrl() + "/user"))
                .header("Authorization", "Bearer " + access)
                .header("Accept", "application/json")
                .GET(),
            "reading the user");
    String name = user.path("name").asString("");
    if (name.isEmpty() || !"user".equals(user.path("kind").asString("user"))) {
      throw new HubException("the hub's token does not belong to a user");
    }
    List<String> groups = new ArrayList<>();
    user.path("groups").forEach(g -> groups.add(g.asString("")));
    return new Identity(name, user.path("admin").asBoolean(false), groups);
  }

  /** Null when the hub user may use the console, else why not (for the page and the log). */
  String refusal(Identity id) {
    if (id.admin()) {
      return null;
    }
    for (String g : id.groups()) {
      if (settings.groups().contains(g)) {
        return null;
      }
    }
    return "hub user '"
        + id.name()
        + "' is not a hub admin"
        + (settings.groups().isEmpty()
            ? " (only hub admins may use the console)"
            : " nor in "
                + (settings.groups().size() == 1 ? "group " : "any of the groups ")
                + String.join(", ", settings.groups()));
  }

  private JsonNode call(HttpRequest.Builder request, String what) throws HubException {
    HttpResponse<String> r;
    try {
      r = http.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new HubException(
          "cannot reach the hub at " + settings.apiUrl() + " (" + what + "): " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HubException("interrupted while " + what);
    }
    if (r.statusCode() != 200) {
      throw new HubException(
          "the hub answered " + r.statusCode() + " when " + what + ": " + shorten(r.body()));
    }
    try {
      return JSON.readTree(r.body());
    } catch (RuntimeException e) {
      throw new HubException("the hub's answer when " + what + " is not JSON");
    }
  }

  private static String shorten(String body) {
    String b = body == null ? "" : body.strip();
    return b.length() > 300 ? b.substring(0, 300) + "…" : b;
  }

  static String form(Map<String, String> fields) {
    return fields.entrySet().stream()
        .map(e -> Html.url(e.getKey()) + "=" + Html.url(e.getValue()))
        .collect(Collectors.joining("&"));
  }
}
