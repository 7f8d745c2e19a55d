package io.hubpolicy.format;

import io.hubpolicy.model.Problem;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
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
   * Aliases are expanded into the tree; a few aliases of aliases can multiply a tiny document into
   * millions of nodes (a "billion laughs"). Past this many nodes the document is refused.
   */
  static final int MAX_NODES = 200_000;

  private YamlReader() {}

  /**
   * Every document of {@code text}. {@code lineOffset} is added to each line, for YAML embedded in
   * a block scalar of another file. Syntax errors are added to {@code problems} and end the read.
   */
  public static List<YNode> readAll(
      String text, String source, int lineOffset, List<Problem> problems) {
    List<YNode> docs = new ArrayList<>();
    try {
      for (Node node : new Compose(SETTINGS).composeAllFromString(text)) {
        Conversion c = new Conversion(source, lineOffset, problems);
        try {
          docs.add(c.convert(node, ""));
        } catch (TooLarge e) {
          problems.add(new Problem(source, line(node, lineOffset), "", e.getMessage()));
        }
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

  private static int line(Node node, int offset) {
    return node.getStartMark().map(Mark::getLine).orElse(0) + 1 + offset;
  }

  private static final class TooLarge extends RuntimeException {
    TooLarge(String message) {
      super(message, null, false, false);
    }
  }

  /** One document's conversion: its node budget and the aliases being expanded. */
  private static final class Conversion {
    private final String source;
    private final int offset;
    private final List<Problem> problems;
    private final java.util.Set<Node> inProgress =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    private int nodes;

    Conversion(String source, int offset, List<Problem> problems) {
      this.source = source;
      this.offset = offset;
      this.problems = problems;
    }

    YNode convert(Node node, String path) {
      if (++nodes > MAX_NODES) {
        throw new TooLarge(
            "the document expands to more than "
                + MAX_NODES
                + " nodes (aliases of aliases?); refused");
      }
      if (!inProgress.add(node)) {
        problems.add(
            new Problem(
                source, line(node, offset), path, "an alias refers to the node that contains it"));
        return new YNode.YScalar(line(node, offset), null, "", false);
      }
      try {
        return convertNew(node, path);
      } finally {
        inProgress.remove(node);
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
