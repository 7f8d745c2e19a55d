package io.hubpolicy.format;

import io.hubpolicy.model.Problem;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.Anchor;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.NodeEvent;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.parser.Parser;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.resolver.ScalarResolver;
import org.snakeyaml.engine.v2.scanner.StreamReader;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Reads YAML into {@link YNode} trees with line numbers, straight from SnakeYAML Engine's parser
 * events: no class named in a document is ever instantiated (the old system used an unsafe loader),
 * and no intermediate node tree is built, so reading a large file holds one tree, not two.
 *
 * <p>Bounds, each a problem with a line rather than an exhausted stack or heap: nesting ({@link
 * #MAX_DEPTH}), what aliases add ({@link #MAX_ALIAS_NODES}), and an alias inside the node it names.
 * Repeated keys and short values are shared within a read, since a large configuration repeats the
 * same few names tens of thousands of times.
 */
public final class YamlReader {
  private static final LoadSettings SETTINGS =
      LoadSettings.builder()
          .setCodePointLimit(16 * 1024 * 1024)
          .setLabel("hubpolicy")
          // The YAML 1.2 core schema: ~ and null are null, True/FALSE are booleans.
          .setSchema(new CoreSchema())
          .build();

  private static final ScalarResolver RESOLVER = SETTINGS.getSchema().getScalarResolver();

  /**
   * How deep a document may nest. A profile with a node affinity is about ten levels deep; reading
   * recurses once per level, so a file nested thousands of levels deep would otherwise overflow the
   * stack of whatever reads it (a reload thread included).
   */
  static final int MAX_DEPTH = 100;

  /**
   * How many nodes aliases may add to a document. An alias repeats the node it names, so a few
   * aliases of aliases can multiply a tiny document into millions of nodes (a "billion laughs").
   * Only what aliases add counts: a large document without aliases is bounded by its size.
   */
  static final int MAX_ALIAS_NODES = 100_000;

  /** Values up to this long are shared when repeated (names, short values, quantities). */
  private static final int SHARED_LENGTH = 48;

  private YamlReader() {}

  /**
   * Every document of {@code text}. {@code lineOffset} is added to each line, for YAML embedded in
   * a block scalar of another file. Syntax errors are added to {@code problems} and end the read.
   */
  public static List<YNode> readAll(
      String text, String source, int lineOffset, List<Problem> problems) {
    return readAll(text, source, lineOffset, 1, problems);
  }

  /**
   * As {@link #readAll(String, String, int, List)}, for text cut out of a larger document whose
   * root node sits {@code depth - 1} levels down in it: the nesting bound counts from there.
   */
  public static List<YNode> readAll(
      String text, String source, int lineOffset, int depth, List<Problem> problems) {
    List<YNode> docs = new ArrayList<>();
    Reading reading = new Reading(source, lineOffset, problems);
    try {
      Parser parser = new ParserImpl(SETTINGS, new StreamReader(SETTINGS, text));
      parser.next(); // stream start
      while (!parser.checkEvent(Event.ID.StreamEnd)) {
        parser.next(); // document start
        Document d = new Document(parser, reading);
        try {
          docs.add(d.node(Where.ROOT, depth).node());
        } catch (TooLarge e) {
          problems.add(new Problem(source, e.line + lineOffset, "", e.getMessage()));
          return docs;
        }
        parser.next(); // document end
      }
    } catch (MarkedYamlEngineException e) {
      int line = e.getProblemMark().map(m -> m.getLine() + 1 + lineOffset).orElse(lineOffset + 1);
      String what = e.getProblem() == null ? "invalid YAML" : e.getProblem();
      String context = e.getContext() == null ? "" : " (" + e.getContext() + ")";
      problems.add(new Problem(source, line, "", "invalid YAML: " + what + context));
    } catch (YamlEngineException e) {
      problems.add(new Problem(source, lineOffset + 1, "", "invalid YAML: " + e.getMessage()));
    }
    return docs;
  }

  /** A bound was passed; {@code line} is where, in the document's own lines. */
  private static final class TooLarge extends RuntimeException {
    final int line;

    TooLarge(int line, String message) {
      super(message, null, false, false);
      this.line = line;
    }
  }

  /** What one read shares across its documents: where problems go, and repeated strings. */
  private static final class Reading {
    final String source;
    final int offset;
    final List<Problem> problems;
    private final Map<String, String> shared = new HashMap<>();
    private final Map<String, Tag> plainTags = new HashMap<>();

    Reading(String source, int offset, List<Problem> problems) {
      this.source = source;
      this.offset = offset;
      this.problems = problems;
    }

    String share(String s) {
      return s.length() > SHARED_LENGTH ? s : shared.computeIfAbsent(s, k -> k);
    }

    /**
     * The implicit type of a plain value, once per distinct short value: the resolver tries a
     * regular expression per type, and a large configuration repeats the same few values.
     */
    Tag resolve(String value, boolean plain) {
      if (!plain) {
        return RESOLVER.resolve(value, false);
      }
      if (value.length() > SHARED_LENGTH) {
        return RESOLVER.resolve(value, true);
      }
      return plainTags.computeIfAbsent(value, v -> RESOLVER.resolve(v, true));
    }

    void problem(int line, String field, String message) {
      problems.add(new Problem(source, line + offset, field, message));
    }
  }

  /**
   * Where a node is ({@code profiles[3].env}), made into text only for a problem: a large
   * configuration has hundreds of thousands of nodes and almost never a problem, so building each
   * node's path as a string was a good part of what reading allocated.
   */
  private record Where(Where parent, String key, int index) {
    static final Where ROOT = new Where(null, null, -1);

    @Override
    public String toString() {
      if (parent == null) {
        return "";
      }
      String up = parent.toString();
      if (key == null) {
        return up + "[" + index + "]";
      }
      return up.isEmpty() ? key : up + "." + key;
    }
  }

  /** A node and how many nodes it stands for (what repeating it through an alias adds). */
  private record Built(YNode node, int size) {}

  /** One document: its anchors and what its aliases have added so far. */
  private static final class Document {
    private final Parser parser;
    private final Reading reading;
    private final Map<String, Built> anchors = new HashMap<>();
    private final Set<String> open = new HashSet<>();
    private int added;

    Document(Parser parser, Reading reading) {
      this.parser = parser;
      this.reading = reading;
    }

    Built node(Where path, int depth) {
      Event e = parser.next();
      int line = line(e);
      if (e instanceof AliasEvent alias) {
        return alias(alias, path, line);
      }
      Optional<Anchor> anchor = ((NodeEvent) e).getAnchor();
      anchor.ifPresent(a -> open.add(a.getValue()));
      Built b;
      if (e instanceof ScalarEvent s) {
        b = new Built(scalar(s, line), 1);
      } else {
        if (depth > MAX_DEPTH) {
          throw new TooLarge(
              line,
              "the document is nested more than "
                  + MAX_DEPTH
                  + " levels deep; a configuration never needs that many");
        }
        b =
            e.getEventId() == Event.ID.SequenceStart
                ? sequence((CollectionStartEvent) e, path, depth, line)
                : mapping(path, depth, line);
      }
      anchor.ifPresent(
          a -> {
            open.remove(a.getValue());
            anchors.put(a.getValue(), b);
          });
      return b;
    }

    private Built alias(AliasEvent alias, Where path, int line) {
      String name = alias.getAlias().getValue();
      if (open.contains(name)) {
        reading.problem(line, path.toString(), "an alias refers to the node that contains it");
        return new Built(new YNode.YScalar(line + reading.offset, null, "", false), 1);
      }
      Built b = anchors.get(name);
      if (b == null) {
        reading.problem(
            line, path.toString(), "unknown alias *" + name + " (no anchor &" + name + " above)");
        return new Built(new YNode.YScalar(line + reading.offset, null, "", false), 1);
      }
      added += b.size();
      if (added > MAX_ALIAS_NODES) {
        throw new TooLarge(
            line,
            "aliases in the document expand to more than "
                + MAX_ALIAS_NODES
                + " nodes (aliases of aliases?); refused");
      }
      return b;
    }

    private Built sequence(CollectionStartEvent start, Where path, int depth, int line) {
      List<YNode> items = new ArrayList<>();
      int size = 1;
      while (!parser.checkEvent(Event.ID.SequenceEnd)) {
        Built item = node(new Where(path, null, items.size()), depth + 1);
        items.add(item.node());
        size = saturatedAdd(size, item.size());
      }
      parser.next();
      return new Built(new YNode.YList(line + reading.offset, List.copyOf(items)), size);
    }

    private Built mapping(Where path, int depth, int line) {
      YNode.Entries.Builder entries = new YNode.Entries.Builder();
      int size = 1;
      while (!parser.checkEvent(Event.ID.MappingEnd)) {
        Event keyEvent = parser.peekEvent();
        int keyLine = line(keyEvent);
        if (!(keyEvent instanceof ScalarEvent key)) {
          reading.problem(keyLine, path.toString(), "a mapping key must be a plain value");
          node(path, depth + 1); // the key, skipped
          node(path, depth + 1); // its value, skipped
          continue;
        }
        parser.next();
        String k = reading.share(key.getValue());
        Where field = new Where(path, k, -1);
        Built value = node(field, depth + 1);
        size = saturatedAdd(size, value.size() + 1);
        int first = entries.lineOf(k);
        if (first > 0) {
          reading.problem(
              keyLine, field.toString(), "duplicate key '" + k + "' (first at line " + first + ")");
          continue;
        }
        entries.put(k, value.node(), keyLine + reading.offset);
      }
      parser.next();
      return new Built(entries.build(line + reading.offset), size);
    }

    private YNode scalar(ScalarEvent s, int line) {
      String value = reading.share(s.getValue());
      Tag tag =
          s.getTag().isEmpty() || s.getTag().get().equals("!")
              ? reading.resolve(value, s.getImplicit().canOmitTagInPlainScalar())
              : new Tag(s.getTag().get());
      boolean block =
          s.getScalarStyle() == ScalarStyle.LITERAL || s.getScalarStyle() == ScalarStyle.FOLDED;
      return new YNode.YScalar(line + reading.offset, typed(tag, value), value, block);
    }

    private static int saturatedAdd(int a, int b) {
      long sum = (long) a + b;
      return sum > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) sum;
    }
  }

  private static int line(Event e) {
    return e.getStartMark().map(Mark::getLine).orElse(0) + 1;
  }

  private static Object typed(Tag tag, String v) {
    if (Tag.NULL.equals(tag)) {
      return null;
    }
    if (Tag.BOOL.equals(tag)) {
      return Boolean.valueOf(v.toLowerCase());
    }
    if (Tag.INT.equals(tag)) {
      try {
        BigInteger big = new BigInteger(v.replace("_", "").replace("+", ""));
        if (big.bitLength() < 32) {
          return big.intValue();
        }
        return big.bitLength() < 64 ? (Object) big.longValue() : (Object) big;
      } catch (NumberFormatException | ArithmeticException e) {
        return v;
      }
    }
    if (Tag.FLOAT.equals(tag)) {
      try {
        return new BigDecimal(v);
      } catch (NumberFormatException e) {
        return v;
      }
    }
    return v;
  }
}
