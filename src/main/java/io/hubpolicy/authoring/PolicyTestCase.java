package io.hubpolicy.authoring;

import io.hubpolicy.format.StrictReader;
import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YNode.YList;
import io.hubpolicy.format.YNode.YMap;
import io.hubpolicy.format.YNode.YScalar;
import io.hubpolicy.model.SpawnRequest;
import io.hubpolicy.model.UserPreferences;
import io.hubpolicy.model.UserVariable;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One case of a policy test file: a request and what its decision must be.
 *
 * @param line where the case starts in its file
 * @param server the named server ({@code ""}: the default one)
 * @param error when not null, the request must be refused with a message containing this (no
 *     decision is made); {@code expectations} is then empty
 * @param errorLine the line of {@code error}
 */
public record PolicyTestCase(
    String name,
    int line,
    SpawnRequest request,
    String server,
    List<PolicyTestExpectation> expectations,
    String error,
    int errorLine) {

  static final Set<String> KEYS =
      Set.of("name", "request", "fired", "firedInOrder", "notFired", "expect");
  static final Set<String> REQUEST_KEYS =
      Set.of("user", "groups", "image", "size", "gpu", "gpuType", "server", "preferences");
  static final Set<String> PREFERENCE_KEYS = Set.of("gpu", "env");
  static final Set<String> VARIABLE_KEYS = Set.of("name", "value", "secret");

  /** The case at {@code n}, or null after reporting every problem it has. */
  static PolicyTestCase read(YNode n, String field, StrictReader r) {
    if (!(n instanceof YMap c)) {
      r.problem(n.line(), field, "must be a mapping (name, request, expect...), found " + n.kind());
      return null;
    }
    int mark = r.mark();
    r.unknownKeys(c, field, KEYS);
    String name = r.requiredString(c, "name", field);
    SpawnRequest request = null;
    String server = "";
    YNode req = c.get("request");
    if (StrictReader.isNull(req)) {
      r.problem(c.line(), StrictReader.path(field, "request"), "is required");
    } else {
      YMap m = mapping(req, StrictReader.path(field, "request"), r);
      if (m != null) {
        request = request(m, StrictReader.path(field, "request"), r);
        String s = r.optionalString(m, "server", StrictReader.path(field, "request"));
        server = s == null ? "" : s;
      }
    }
    PolicyTestExpectations reader = new PolicyTestExpectations(r);
    List<PolicyTestExpectation> checks = new ArrayList<>();
    reader.fired(c, field, checks);
    String error = null;
    int errorLine = 0;
    YNode expect = c.get("expect");
    if (!StrictReader.isNull(expect)) {
      String f = StrictReader.path(field, "expect");
      YMap m = mapping(expect, f, r);
      if (m != null) {
        reader.expect(m, f, checks);
        if (m.get("error") != null) {
          errorLine = m.keyLine("error");
          error = r.optionalString(m, "error", f);
          if (!checks.isEmpty() || m.size() > 1) {
            r.problem(
                errorLine,
                StrictReader.path(f, "error"),
                "a refused request has no decision: leave out the other expectations");
          }
        }
      }
    }
    if (!r.cleanSince(mark)) {
      return null;
    }
    return new PolicyTestCase(name, c.line(), request, server, checks, error, errorLine);
  }

  private static SpawnRequest request(YMap m, String field, StrictReader r) {
    r.unknownKeys(m, field, REQUEST_KEYS);
    String user = r.requiredString(m, "user", field);
    List<String> groups = r.stringList(m, "groups", field);
    String image = r.optionalString(m, "image", field);
    String size = r.optionalString(m, "size", field);
    String gpuType = r.optionalString(m, "gpuType", field);
    Integer gpu =
        m.get("gpu") == null ? null : count(r, m.get("gpu"), StrictReader.path(field, "gpu"));
    UserPreferences prefs = UserPreferences.NONE;
    YNode p = m.get("preferences");
    if (!StrictReader.isNull(p)) {
      prefs = preferences(p, StrictReader.path(field, "preferences"), r);
    }
    return new SpawnRequest(user, groups, image, size, prefs, gpu, gpuType);
  }

  /** What the user saved: a GPU count and their own variables. */
  private static UserPreferences preferences(YNode n, String field, StrictReader r) {
    YMap m = mapping(n, field, r);
    if (m == null) {
      return UserPreferences.NONE;
    }
    r.unknownKeys(m, field, PREFERENCE_KEYS);
    Integer gpu =
        m.get("gpu") == null ? null : count(r, m.get("gpu"), StrictReader.path(field, "gpu"));
    List<UserVariable> env = new ArrayList<>();
    YNode e = m.get("env");
    String ef = StrictReader.path(field, "env");
    if (e instanceof YList list) {
      for (int i = 0; i < list.items().size(); i++) {
        String f = ef + "[" + i + "]";
        YMap v = mapping(list.items().get(i), f, r);
        if (v == null) {
          continue;
        }
        r.unknownKeys(v, f, VARIABLE_KEYS);
        String name = r.requiredString(v, "name", f);
        YNode value = v.get("value");
        String text = null;
        if (value instanceof YScalar s && !s.isNull()) {
          text = s.asText();
        } else if (value != null && !StrictReader.isNull(value)) {
          r.problem(
              value.line(),
              StrictReader.path(f, "value"),
              "must be a value, found " + value.kind());
        }
        boolean secret = r.bool(v.get("secret"), StrictReader.path(f, "secret"), false);
        env.add(new UserVariable(name, text, secret));
      }
    } else if (!StrictReader.isNull(e)) {
      r.problem(e.line(), ef, "must be a list of {name, value, secret}, found " + e.kind());
    }
    return new UserPreferences(null, null, gpu, env);
  }

  /** A whole number, at least 0 (a GPU count). */
  static Integer count(StrictReader r, YNode n, String field) {
    if (n instanceof YScalar s && s.value() instanceof Integer i && i >= 0) {
      return i;
    }
    r.problem(
        n.line(),
        field,
        "must be a whole number, at least 0, found "
            + (n instanceof YScalar s && !s.isNull() ? "'" + s.asText() + "'" : n.kind()));
    return null;
  }

  private static YMap mapping(YNode n, String field, StrictReader r) {
    if (n instanceof YMap m) {
      return m;
    }
    r.problem(n.line(), field, "must be a mapping, found " + n.kind());
    return null;
  }
}
