package io.hubpolicy.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HtmlTest {
  @Test
  void escapesMarkupQuotesAndControlCharacters() {
    assertEquals(
        "&lt;img src=x onerror=&quot;a&#39;&amp;&quot;&gt;",
        Html.esc("<img src=x onerror=\"a'&\">"));
    assertEquals("a\uFFFDb\nc", Html.esc("a\u0000b\nc"));
    assertEquals("plain", Html.esc("plain"));
    assertEquals("", Html.esc(null));
  }
}
