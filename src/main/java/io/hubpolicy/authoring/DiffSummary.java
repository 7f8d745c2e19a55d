package io.hubpolicy.authoring;

import io.hubpolicy.authoring.DecisionDiff.Change;
import io.hubpolicy.authoring.DiffRequests.Replayable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The counters of a diff, all that is kept of the requests replayed: how many, how many changed, by
 * field and by user. Users are tallied one by one up to {@link #MAX_USERS}; changes of users beyond
 * that are counted together, so memory stays bounded whatever the log holds. Not thread-safe: one
 * thread (the one writing the report) counts.
 */
public final class DiffSummary {
  /** Users tallied one by one. */
  public static final int MAX_USERS = 10_000;

  private final String baseRevision;
  private final String candidateRevision;
  private long requests;
  private long auditRecords;
  private long otherRevision;
  private long changed;
  private long newlyDenied;
  private long newlyAllowed;
  private long failedBefore;
  private long failedAfter;
  private long badLines;
  private final Map<String, Long> byField = new LinkedHashMap<>();
  private final Map<String, Long> byUser = new HashMap<>();
  private long untallied;
  private final Set<String> recordedRevisions = new HashSet<>();

  public DiffSummary(String baseRevision, String candidateRevision) {
    this.baseRevision = baseRevision;
    this.candidateRevision = candidateRevision;
    byField.put(DecisionDiff.ERROR, 0L);
    DecisionDiff.FIELDS.forEach(f -> byField.put(f, 0L));
  }

  /** Whether each configuration allowed the request, and whether it could decide it at all. */
  public record Verdicts(
      boolean allowedBefore, boolean allowedAfter, boolean failedBefore, boolean failedAfter) {}

  /** One request replayed under both configurations. */
  public void replayed(Replayable r, Verdicts v, List<Change> changes) {
    requests++;
    if (r.kind() == DiffRequests.Kind.AUDIT) {
      auditRecords++;
      if (!baseRevision.equals(r.revision())) {
        otherRevision++;
        if (recordedRevisions.size() < 16 && r.revision() != null) {
          recordedRevisions.add(r.revision());
        }
      }
    }
    failedBefore += v.failedBefore() ? 1 : 0;
    failedAfter += v.failedAfter() ? 1 : 0;
    if (changes.isEmpty()) {
      return;
    }
    changed++;
    if (!v.failedBefore() && !v.failedAfter() && v.allowedBefore() != v.allowedAfter()) {
      if (v.allowedBefore()) {
        newlyDenied++;
      } else {
        newlyAllowed++;
      }
    }
    String last = null;
    for (Change c : changes) {
      if (!c.field().equals(last)) {
        byField.merge(c.field(), 1L, Long::sum);
        last = c.field();
      }
    }
    String user = r.request().user();
    Long n = byUser.get(user);
    if (n != null || byUser.size() < MAX_USERS) {
      byUser.put(user, n == null ? 1 : n + 1);
    } else {
      untallied++;
    }
  }

  public void badLine() {
    badLines++;
  }

  public long requests() {
    return requests;
  }

  public long changed() {
    return changed;
  }

  public long badLines() {
    return badLines;
  }

  public long newlyDenied() {
    return newlyDenied;
  }

  public long newlyAllowed() {
    return newlyAllowed;
  }

  /** Requests per field changed (a request counts once per field), fields with none left out. */
  public Map<String, Long> byField() {
    Map<String, Long> m = new LinkedHashMap<>();
    byField.forEach(
        (k, v) -> {
          if (v > 0) {
            m.put(k, v);
          }
        });
    return m;
  }

  /** Changed requests per user, most first (then by name), at most {@code limit} users. */
  public Map<String, Long> byUser(int limit) {
    List<Map.Entry<String, Long>> all = new ArrayList<>(byUser.entrySet());
    all.sort(
        Map.Entry.<String, Long>comparingByValue()
            .reversed()
            .thenComparing(Map.Entry.comparingByKey()));
    Map<String, Long> m = new LinkedHashMap<>();
    for (Map.Entry<String, Long> e : all.subList(0, Math.min(limit, all.size()))) {
      m.put(e.getKey(), e.getValue());
    }
    return m;
  }

  /** Users with a change, as far as tallied. */
  public int users() {
    return byUser.size();
  }

  /** Changes of users beyond the first {@link #MAX_USERS}, not tallied by name. */
  public long untallied() {
    return untallied;
  }

  public long auditRecords() {
    return auditRecords;
  }

  /** Audit records made under another revision than the base's. */
  public long otherRevision() {
    return otherRevision;
  }

  public String baseRevision() {
    return baseRevision;
  }

  public String candidateRevision() {
    return candidateRevision;
  }

  /** The summary as one JSON object, under {@code "summary"}. */
  public ObjectNode json() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    ObjectNode s = root.putObject("summary");
    s.put("requests", requests);
    s.put("changed", changed);
    s.put("badLines", badLines);
    s.put("newlyDenied", newlyDenied);
    s.put("newlyAllowed", newlyAllowed);
    s.put("failedBefore", failedBefore);
    s.put("failedAfter", failedAfter);
    ObjectNode fields = s.putObject("byField");
    byField().forEach(fields::put);
    s.put("users", byUser.size());
    ObjectNode users = s.putObject("byUser");
    byUser(MAX_USERS).forEach(users::put);
    s.put("untalliedUserChanges", untallied);
    s.put("auditRecords", auditRecords);
    s.put("auditRecordsOfOtherRevisions", otherRevision);
    recordedRevisions.stream().sorted().forEach(s.putArray("otherRevisions")::add);
    s.put("baseRevision", baseRevision);
    s.put("candidateRevision", candidateRevision);
    return root;
  }

  long failedBefore() {
    return failedBefore;
  }

  long failedAfter() {
    return failedAfter;
  }

  List<String> otherRevisions() {
    return recordedRevisions.stream().sorted().toList();
  }
}
