package io.hubpolicy.cli;

import io.hubpolicy.api.AuditFiles;
import io.hubpolicy.api.AuditLog;
import io.hubpolicy.api.DecisionPage;
import io.hubpolicy.api.DecisionQuery;
import io.hubpolicy.app.SettingException;
import io.hubpolicy.audit.DbUrl;
import io.hubpolicy.audit.PgStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code hubpolicy history}: audited decisions from the shared store or an audit file. */
@Command(
    name = "history",
    mixinStandardHelpOptions = true,
    description = {
      "Lists audited decisions, newest first, from the shared store (--audit-db) or an audit file",
      "and its rotated ones (--audit-file), with the filters of GET /v1/decisions.",
      "Text: one decision a line (time, id, user, allowed/DENIED, image, size, rules fired);",
      "json: the page as GET /v1/decisions answers it. Exit 0, 2 for a wrong option."
    })
final class HistoryCommand implements Callable<Integer> {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Option(
      names = "--audit-db",
      paramLabel = "URL",
      defaultValue = "${env:HUBPOLICY_AUDIT_DB}",
      description = "The shared store serve writes (postgresql://… or jdbc:postgresql://…).")
  String db;

  @Option(
      names = "--audit-file",
      paramLabel = "PATH",
      description = "An audit file serve wrote (FILE.1, FILE.2… are read after it).")
  Path file;

  @Option(names = "--user", description = "Decisions for this user.")
  String user;

  @Option(names = "--group", description = "Decisions for users in this group at the time.")
  String group;

  @Option(names = "--image", description = "Decisions for this image.")
  String image;

  @Option(names = "--size", description = "Decisions for this size.")
  String size;

  @Option(names = "--allowed", paramLabel = "true|false", description = "Allowed, or denied.")
  String allowed;

  @Option(names = "--rule", description = "Decisions in which this rule fired.")
  String rule;

  @Option(names = "--since", paramLabel = "INSTANT", description = "From (ISO-8601), inclusive.")
  String since;

  @Option(names = "--until", paramLabel = "INSTANT", description = "Before (ISO-8601).")
  String until;

  @Option(
      names = "--limit",
      paramLabel = "N",
      description = "At most N decisions (1 to 500). Default: 50.")
  String limit;

  @Option(
      names = "--cursor",
      description = "Continue after a previous page (its 'next'; --format json shows it).")
  String cursor;

  @Option(
      names = "--format",
      paramLabel = "text|json",
      defaultValue = "text",
      description = "Output. Default: ${DEFAULT-VALUE}.")
  String format;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (!format.equals("text") && !format.equals("json")) {
      throw new SettingException("--format", "must be text or json; got '" + format + "'");
    }
    boolean hasDb = db != null && !db.isBlank();
    if (hasDb == (file != null)) {
      throw new SettingException(
          "--audit-db/--audit-file",
          hasDb
              ? "give one of them, not both"
              : "give --audit-db URL (or HUBPOLICY_AUDIT_DB) or --audit-file PATH");
    }
    Map<String, String> p = new HashMap<>();
    p.put("user", user);
    p.put("group", group);
    p.put("image", image);
    p.put("size", size);
    p.put("allowed", allowed);
    p.put("rule", rule);
    p.put("since", since);
    p.put("until", until);
    p.put("limit", limit);
    p.put("cursor", cursor);
    DecisionQuery q = DecisionQuery.parse(p::get);
    DecisionPage page = hasDb ? fromDb(q) : fromFile(q);
    PrintWriter out = spec.commandLine().getOut();
    if (format.equals("json")) {
      out.println(page.json());
    } else {
      for (String record : page.records()) {
        out.println(line(JSON.readTree(record)));
      }
      if (page.next() != null) {
        out.println("(more: --cursor " + page.next().encode() + ")");
      }
    }
    out.flush();
    return Main.OK;
  }

  private DecisionPage fromFile(DecisionQuery q) {
    if (!Files.isRegularFile(file)) {
      throw new SettingException("--audit-file", "no such file: " + file);
    }
    return AuditFiles.query(file, q);
  }

  private DecisionPage fromDb(DecisionQuery q) {
    DbUrl url;
    try {
      url = DbUrl.parse(db);
    } catch (IllegalArgumentException e) {
      throw new SettingException("--audit-db", e.getMessage());
    }
    try (PgStore store = new PgStore(url)) {
      return store.query(q);
    } catch (SQLException e) {
      throw new AuditLog.UnavailableException(
          "cannot read decisions from " + url + ": " + e.getMessage(), e);
    }
  }

  /** {@code time id user allowed|DENIED image size rule, rule…} */
  static String line(JsonNode r) {
    JsonNode in = r.path("input");
    List<String> rules = new ArrayList<>();
    r.path("firedRules").forEach(f -> rules.add(f.path("rule").asString()));
    return String.join(
        "  ",
        r.path("time").asString(""),
        r.path("decisionId").asString(""),
        in.path("user").asString("-"),
        r.path("result").path("allowed").asBoolean(false) ? "allowed" : "DENIED",
        in.path("image").asString("-"),
        in.path("size").asString("-"),
        String.join(", ", rules));
  }
}
