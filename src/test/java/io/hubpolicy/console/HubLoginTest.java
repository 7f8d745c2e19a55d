package io.hubpolicy.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Who the hub login lets in, and the hub's URLs it uses. */
class HubLoginTest {
  static HubLogin login(List<String> groups) {
    return new HubLogin(
        new HubLogin.Settings(
            "https://hub.example.com/", null, "service-hubpolicy", "s", null, groups),
        HttpClient.newHttpClient());
  }

  @Test
  void hubAdminsAndMembersOfTheGroupsMayUseTheConsole() {
    HubLogin l = login(List.of("policy-admins"));
    assertNull(l.refusal(new HubLogin.Identity("root", true, List.of())));
    assertNull(l.refusal(new HubLogin.Identity("ana", false, List.of("x", "policy-admins"))));
    String why = l.refusal(new HubLogin.Identity("bob", false, List.of("ds")));
    assertEquals("hub user 'bob' is not a hub admin nor in group policy-admins", why);
  }

  @Test
  void withoutGroupsOnlyAdmins() {
    String why = login(List.of()).refusal(new HubLogin.Identity("bob", false, List.of("ds")));
    assertTrue(why.contains("only hub admins"), why);
  }

  @Test
  void theApiDefaultsToTheHubsAndTheRedirectCarriesTheState() {
    HubLogin l = login(List.of());
    assertEquals("https://hub.example.com/hub/api", l.settings().apiUrl());
    assertEquals(
        "https://hub.example.com/hub/api/oauth2/authorize?client_id=service-hubpolicy"
            + "&redirect_uri=http%3A%2F%2Fh%3A1%2Fui%2Foauth%2Fcallback&response_type=code&state=s%26",
        l.authorizeUrl("s&", "http://h:1/ui/oauth/callback"));
  }
}
