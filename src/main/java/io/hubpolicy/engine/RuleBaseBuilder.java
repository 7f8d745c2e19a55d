package io.hubpolicy.engine;

import io.hubpolicy.format.Texts;
import io.hubpolicy.model.InvalidConfigException;
import io.hubpolicy.model.PolicyConfig;
import io.hubpolicy.model.Problem;
import io.hubpolicy.profiles.ConfigSource;
import io.hubpolicy.profiles.ConfigSources;
import io.hubpolicy.profiles.ProfileLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import org.drools.kiesession.rulebase.InternalKnowledgeBase;
import org.drools.kiesession.rulebase.KnowledgeBaseFactory;
import org.kie.api.KieBase;
import org.kie.api.definition.KiePackage;
import org.kie.api.io.ResourceType;
import org.kie.api.runtime.KieSessionsPool;
import org.kie.internal.builder.KnowledgeBuilder;
import org.kie.internal.builder.KnowledgeBuilderError;
import org.kie.internal.builder.KnowledgeBuilderFactory;
import org.kie.internal.io.ResourceFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns profile sources and DRL sources into a {@link RuleBase}, or into the full list of problems.
 * Used by startup, {@code validate} and reloads alike, so they can never disagree.
 */
public final class RuleBaseBuilder {
  private static final Logger LOG = LoggerFactory.getLogger(RuleBaseBuilder.class);

  /** The generic profile-merge rule; part of the engine, not of the editable policy. */
  static final String MERGE_RULES = "io/hubpolicy/engine/profiles.drl";

  private static final String MERGE_RULES_TEXT = classpathText(MERGE_RULES);

  private final ProfileLoader loader;

  /** Where compiled rules are read from before compiling, and kept after. */
  private final CompiledRulesCache cache;

  /** Whether to log how each new set of rules was obtained (a service does; the CLI does not). */
  private final boolean announce;

  /**
   * The rules this builder compiled last, kept for the next build: a reload usually changes
   * profiles only, and profiles are facts, not rules, so the compiled rules (and the pool of
   * sessions over them) serve the new configuration as they are. Recompiling them on every reload
   * cost a DRL compile and a new set of generated classes each time, most of a reload's garbage.
   */
  private volatile Compiled lastCompiled;

  /**
   * The profile index of the last rule base built, which the next one shares what did not change
   * with (see {@link ProfileIndex#of}).
   */
  private volatile ProfileIndex lastIndex;

  /** How the last new set of rules was obtained: "compiled" or "cache" (for tests). */
  private volatile String lastOrigin = "";

  /** Compiled rules, the key of the sources they came from, and the sessions over them. */
  record Compiled(String key, KieBase kieBase, KieSessionsPool sessions, RuleLocations locations) {}

  public RuleBaseBuilder(ProfileLoader loader) {
    this(loader, CompiledRulesCache.NONE, false);
  }

  /**
   * A service's builder: compiled rules are read from and kept in {@code cache}, and each new set
   * of rules is logged (compiled or read, and how long it took).
   */
  public RuleBaseBuilder(CompiledRulesCache cache) {
    this(new ProfileLoader(), cache, true);
  }

  private RuleBaseBuilder(ProfileLoader loader, CompiledRulesCache cache, boolean announce) {
    this.loader = loader;
    this.cache = cache;
    this.announce = announce;
  }

  public RuleBaseBuilder() {
    this(new ProfileLoader());
  }

  /** What a build produced: a rule base when there were no problems, and notes either way. */
  public record Report(
      RuleBase ruleBase, PolicyConfig config, List<Problem> problems, List<String> notes) {
    public RuleBase orThrow() {
      if (!problems.isEmpty()) {
        throw new InvalidConfigException(problems);
      }
      return ruleBase;
    }
  }

  /** The rule base of these files and directories, or every problem they have. */
  public static RuleBase fromPaths(List<Path> profiles, List<Path> rules) {
    return new RuleBaseBuilder().buildPaths(profiles, rules);
  }

  /** The rule base of these files and directories, or every problem they have. */
  public RuleBase buildPaths(List<Path> profiles, List<Path> rules) {
    List<Problem> problems = new ArrayList<>();
    List<ConfigSource> profileSources = ConfigSources.fromPaths(profiles, problems);
    List<RuleSource> ruleSources = RuleSource.fromPaths(rules, problems);
    Report report = check(profileSources, ruleSources);
    problems.addAll(report.problems());
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    return report.ruleBase();
  }

  public RuleBase build(List<ConfigSource> profiles, List<RuleSource> rules) {
    return check(profiles, rules).orThrow();
  }

  public Report check(List<ConfigSource> profiles, List<RuleSource> rules) {
    return check(profiles, rules, null);
  }

  /**
   * {@link #check(List, List)} with the inputs' {@link #revision} when the caller has it already: a
   * reload computes it first, to see whether anything changed, and digesting a large configuration
   * again cost a few ms of CPU and megabytes of garbage.
   */
  public Report check(List<ConfigSource> profiles, List<RuleSource> rules, String revision) {
    String rulesKey = rulesKey(rules);
    Compiled compiled = lastCompiled;
    boolean sameRules = compiled != null && compiled.key().equals(rulesKey);
    // New rules (a start, or an edit of the DRL) are obtained on a thread of their own while the
    // profiles are read: on a JVM that has just started, each takes about a quarter of a second,
    // most of it code running for the first time (BENCHMARKS.md §5).
    Background<Obtained> obtaining =
        sameRules ? null : Background.start("rules-read", () -> obtain(rules, rulesKey));
    ProfileLoader.Result loaded = loader.read(profiles);
    List<Problem> problems = new ArrayList<>(loaded.problems());
    List<String> ruleNames = new ArrayList<>();
    ruleNames.add("classpath:" + MERGE_RULES);
    rules.forEach(r -> ruleNames.add(r.name()));
    if (sameRules) {
      problems.addAll(unknownExceptionRules(loaded.config(), compiled.locations()));
      if (!problems.isEmpty()) {
        return new Report(null, loaded.config(), problems, loaded.config().notes());
      }
      RuleBase rb =
          new RuleBase(
              revision != null ? revision : revision(profiles, rules),
              loaded.config(),
              compiled.kieBase(),
              compiled.sessions(),
              ruleNames,
              rules,
              compiled.locations(),
              lastIndex);
      lastIndex = rb.index();
      return new Report(rb, loaded.config(), List.of(), loaded.config().notes());
    }
    Obtained obtained = obtaining.join();
    problems.addAll(obtained.problems());
    if (!problems.isEmpty()) {
      return new Report(null, loaded.config(), problems, loaded.config().notes());
    }
    compiled = obtained.compiled();
    RuleLocations locations = compiled.locations();
    KieBase kbase = compiled.kieBase();
    List<Problem> unknown = unknownExceptionRules(loaded.config(), locations);
    if (!unknown.isEmpty()) {
      return new Report(null, loaded.config(), unknown, loaded.config().notes());
    }
    lastCompiled = compiled;
    RuleBase rb =
        new RuleBase(
            revision != null ? revision : revision(profiles, rules),
            loaded.config(),
            kbase,
            compiled.sessions(),
            ruleNames,
            rules,
            locations,
            lastIndex);
    lastIndex = rb.index();
    return new Report(rb, loaded.config(), List.of(), loaded.config().notes());
  }

  private static KnowledgeBuilder compile(List<RuleSource> rules) {
    KnowledgeBuilder kb = KnowledgeBuilderFactory.newKnowledgeBuilder();
    kb.add(
        ResourceFactory.newByteArrayResource(MERGE_RULES_TEXT.getBytes(StandardCharsets.UTF_8))
            .setSourcePath(MERGE_RULES),
        ResourceType.DRL);
    for (RuleSource r : rules) {
      kb.add(
          ResourceFactory.newByteArrayResource(r.text().getBytes(StandardCharsets.UTF_8))
              .setSourcePath(r.name()),
          ResourceType.DRL);
    }
    return kb;
  }

  private static List<Problem> compileProblems(KnowledgeBuilder kb) {
    List<Problem> problems = new ArrayList<>();
    boolean specific = false;
    for (KnowledgeBuilderError e : kb.getErrors()) {
      specific |= !isParserAfterthought(e);
    }
    for (KnowledgeBuilderError e : kb.getErrors()) {
      if (specific && isParserAfterthought(e)) {
        continue; // the real syntax error is already reported, with its line
      }
      String source = e.getResource() != null ? e.getResource().getSourcePath() : "<rules>";
      int[] lines = e.getLines();
      int line = lines != null && lines.length > 0 ? lines[0] : 0;
      problems.add(new Problem(source, line, "", "DRL: " + oneLine(e.getMessage())));
    }
    return problems;
  }

  /** How the last new set of rules was obtained: "compiled" or "cache"; "" before any. */
  String lastOrigin() {
    return lastOrigin;
  }

  /** An exception must name rules that exist: a misspelt name would silently exempt nobody. */
  private static List<Problem> unknownExceptionRules(
      io.hubpolicy.model.PolicyConfig config, RuleLocations locations) {
    List<Problem> out = new ArrayList<>();
    for (io.hubpolicy.model.RuleException e : config.exceptions()) {
      for (int i = 0; i < e.rules().size(); i++) {
        String rule = e.rules().get(i);
        if (!locations.has(rule)) {
          out.add(
              new Problem(
                  e.source().source(),
                  e.source().line(),
                  "exceptions." + e.name() + ".rules[" + i + "]",
                  "no rule is named '" + rule + "'"));
        }
      }
    }
    return out;
  }

  /** New rules, or the problems of their DRL. */
  private record Obtained(Compiled compiled, List<Problem> problems) {}

  /** Reads the rules from the cache or compiles them (and keeps them there), then builds them. */
  private Obtained obtain(List<RuleSource> rules, String rulesKey) {
    long start = System.nanoTime();
    Collection<KiePackage> packages = cache.read(rulesKey);
    String origin;
    String kept = "";
    if (packages != null) {
      origin = "read from cache " + cache.entry(rulesKey);
      lastOrigin = "cache";
    } else {
      KnowledgeBuilder kb = compile(rules);
      List<Problem> problems = compileProblems(kb);
      if (!problems.isEmpty()) {
        return new Obtained(null, problems);
      }
      packages = kb.getKnowledgePackages();
      // Kept before the packages go into a KieBase: what is written is the compiler's output.
      origin = "compiled";
      lastOrigin = "compiled";
      kept = "; " + cache.write(rulesKey, packages);
    }
    InternalKnowledgeBase kbase = KnowledgeBaseFactory.newKnowledgeBase();
    kbase.addPackages(packages);
    ProfileSalience.install(kbase);
    if (announce) {
      LOG.info(
          "rules {} in {} ms ({} rules from {} sources){}",
          origin,
          (System.nanoTime() - start) / 1_000_000,
          kbase.getKiePackages().stream().mapToInt(p -> p.getRules().size()).sum(),
          rules.size() + 1,
          kept);
    }
    RuleLocations locations = new RuleLocations();
    locations.add("classpath:" + MERGE_RULES, MERGE_RULES_TEXT);
    rules.forEach(r -> locations.add(r.name(), r.text()));
    return new Obtained(
        new Compiled(rulesKey, kbase, kbase.newKieSessionsPool(2), locations), List.of());
  }

  /** A content hash of the rules alone (names included: problems name their source). */
  static String rulesKey(List<RuleSource> rules) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(MERGE_RULES_TEXT.getBytes(StandardCharsets.UTF_8));
      for (RuleSource r : rules) {
        digestPart(d, "rules", r.name(), r.text());
      }
      return HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** A content hash of everything the decision depends on: same inputs, same revision. */
  public static String revision(List<ConfigSource> profiles, List<RuleSource> rules) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      for (ConfigSource s : profiles) {
        digestPart(d, "profiles", s.name(), s.text());
      }
      d.update(MERGE_RULES_TEXT.getBytes(StandardCharsets.UTF_8));
      for (RuleSource r : rules) {
        digestPart(d, "rules", r.name(), r.text());
      }
      return HexFormat.of().formatHex(d.digest()).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** {@code kind\0name\0text\0} in UTF-8, the text a slice at a time (see Texts.digestUtf8). */
  private static void digestPart(MessageDigest d, String kind, String name, String text) {
    d.update((kind + "\0" + name + "\0").getBytes(StandardCharsets.UTF_8));
    Texts.digestUtf8(d, text);
    d.update((byte) 0);
  }

  static String classpathText(String resource) {
    try (InputStream in = RuleBaseBuilder.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing from the jar: " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean isParserAfterthought(KnowledgeBuilderError e) {
    return e.getMessage() != null && e.getMessage().contains("Parser returned a null Package");
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s*\\n\\s*", " ").trim();
  }
}
