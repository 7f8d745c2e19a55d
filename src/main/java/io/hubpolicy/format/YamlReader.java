package io.hubpolicy.format;

import io.hubpolicy.model.Problem;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.parser.Parser;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Reads YAML into {@link YNode} trees with line numbers. SnakeYAML Engine only composes nodes and
 * never instantiates classes named in the document, so no tag in a ConfigMap can run code (the old
 * system used an unsafe loader).
 */
public final class YamlReader {
  private static final LoadSettings SETTINGS =
      LoadSettings.builder()
          .setMaxAliasesForCollections(50)
          .setCodePointLimit(16 * 1024 * 1024)
          .setLabel("hubpolicy")
          // The YAML 1.2 core schema: ~ and null are null, True/FALSE are booleans.
          .setSchema(new CoreSchema())
          .build();

  /**
   * How deep a document may nest. A profile with a node affinity is about ten levels deep;
   * SnakeYAML composes (and this class converts) recursively, so a file nested thousands of levels
   * deep would otherwise overflow the stack of whatever reads it (a reload thread included).
   */
  static final int MAX_DEPTH = 100;

  /**
   * How many nodes aliases may add to a document. An alias repeats the node it names, so a few
   * aliases of aliases can multiply a tiny document into millions of nodes (a "billion laughs").
   * Only what aliases add counts: a large document without aliases is bounded by its size.
   */
  static final int MAX_ALIAS_NODES = 100_000;

  private YamlReader() {}

  /**
   * Every document of {@code text}. {@code lineOffset} is added to each line, for YAML embedded in
   * a block scalar of another file. Syntax errors are added to {@code problems} and end the read.
   */
  public static List<YNode> readAll(
      String text, String source, int lineOffset, List<Problem> problems) {
    List<YNode> docs = new ArrayList<>();
    try {
      Composer composer =
          new Composer(
              SETTINGS, new DepthLimit(new ParserImpl(SETTINGS, new StreamReader(SETTINGS, text))));
      while (composer.hasNext()) {
        Node node = composer.next();
        Conversion c = new Conversion(source, lineOffset, problems);
        try {
          docs.add(c.convert(node, ""));
        } catch (TooLarge e) {
          problems.add(new Problem(source, e.line + lineOffset, "", e.getMessage()));
        }
      }
    } catch (TooDeep e) {
      problems.add(new Problem(source, e.line + lineOffset, "", e.getMessage()));
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

  private static int line(Node node, int offset) {
    return node.getStartMark().map(Mark::getLine).orElse(0) + 1 + offset;
  }

  /** A document that expands past a bound; {@code line} is where, in the document's own lines. */
  private static final class TooLarge extends RuntimeException {
    final int line;

    TooLarge(int line, String message) {
      super(message, null, false, false);
      this.line = line;
    }
  }

  /** Nesting past {@link #MAX_DEPTH}, noticed while parsing, before anything recurses on it. */
  private static final class TooDeep extends YamlEngineException {
    final int line;

    TooDeep(int line) {
      super(
          "the document is nested more than "
              + MAX_DEPTH
              + " levels deep; a configuration never needs that many (refused before reading on)");
      this.line = line;
    }
  }

  /**
   * The parser's events, counting how deep collections nest. SnakeYAML's parser is a state machine
   * and does not recurse; its composer does, one call per level, so the count must stop it first.
   */
  private static final class DepthLimit implements Parser {
    private final Parser delegate;
    private int depth;

    DepthLimit(Parser delegate) {
      this.delegate = delegate;
    }

    @Override
    public boolean checkEvent(Event.ID id) {
      return delegate.checkEvent(id);
    }

    @Override
    public Event peekEvent() {
      return delegate.peekEvent();
    }

    @Override
    public boolean hasNext() {
      return delegate.hasNext();
    }

    @Override
    public Event next() {
      Event e = delegate.next();
      switch (e.getEventId()) {
        case MappingStart, SequenceStart -> {
          if (++depth > MAX_DEPTH) {
            throw new TooDeep(e.getStartMark().map(m -> m.getLine() + 1).orElse(1));
          }
        }
        case MappingEnd, SequenceEnd -> depth--;
        default -> {}
      }
      return e;
    }
  }

  /** One document's conversion: the aliases being expanded, and what they have added so far. */
  private static final class Conversion {
    private final String source;
    private final int offset;
    private final List<Problem> problems;
    private final java.util.Set<Node> inProgress =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    private final java.util.Set<Node> converted =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    // Nodes reached again through an alias, being converted now; their subtrees count.
    private int repeating;
    private int added;
    private int depth;

    Conversion(String source, int offset, List<Problem> problems) {
      this.source = source;
      this.offset = offset;
      this.problems = problems;
    }

    YNode convert(Node node, String path) {
      boolean repeat = !converted.add(node);
      if (repeat) {
        repeating++;
      }
      try {
        if (repeating > 0 && ++added > MAX_ALIAS_NODES) {
          throw new TooLarge(
              line(node, 0),
              "aliases in the document expand to more than "
                  + MAX_ALIAS_NODES
                  + " nodes (aliases of aliases?); refused");
        }
        // Aliases can nest what they repeat deeper than the text does.
        if (++depth > 2 * MAX_DEPTH) {
          throw new TooLarge(
              line(node, 0),
              "aliases nest the document more than " + 2 * MAX_DEPTH + " levels deep; refused");
        }
        if (!inProgress.add(node)) {
          problems.add(
              new Problem(
                  source,
                  line(node, offset),
                  path,
                  "an alias refers to the node that contains it"));
          return new YNode.YScalar(line(node, offset), null, "", false);
        }
        try {
          return convertNew(node, path);
        } finally {
          inProgress.remove(node);
        }
      } finally {
        depth--;
        if (repeat) {
          repeating--;
        }
      }
    }

    private YNode convertNew(Node node, String path) {
      if (node instanceof MappingNode map) {
        Map<String, YNode> entries = new LinkedHashMap<>();
        Map<String, Integer> keyLines = new LinkedHashMap<>();
        for (NodeTuple t : map.getValue()) {
          int keyLine = line(t.getKeyNode(), offset);
          if (!(t.getKeyNode() instanceof ScalarNode key)) {
            problems.add(new Problem(source, keyLine, path, "a mapping key must be a plain value"));
            continue;
          }
          String k = key.getValue();
          String field = path.isEmpty() ? k : path + "." + k;
          if (entries.containsKey(k)) {
            problems.add(
                new Problem(
                    source,
                    keyLine,
                    field,
                    "duplicate key '" + k + "' (first at line " + keyLines.get(k) + ")"));
            continue;
          }
          entries.put(k, convert(t.getValueNode(), field));
          keyLines.put(k, keyLine);
        }
        return new YNode.YMap(line(node, offset), entries, keyLines);
      }
      if (node instanceof SequenceNode seq) {
        List<YNode> items = new ArrayList<>();
        int i = 0;
        for (Node item : seq.getValue()) {
          items.add(convert(item, path + "[" + i++ + "]"));
        }
        return new YNode.YList(line(node, offset), items);
      }
      ScalarNode scalar = (ScalarNode) node;
      boolean block =
          scalar.getScalarStyle() == ScalarStyle.LITERAL
              || scalar.getScalarStyle() == ScalarStyle.FOLDED;
      return new YNode.YScalar(line(node, offset), typed(scalar), scalar.getValue(), block);
    }
  }

  private static Object typed(ScalarNode scalar) {
    Tag tag = scalar.getTag();
    String v = scalar.getValue();
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
