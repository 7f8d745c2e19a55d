package io.hubpolicy.model;

import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import java.util.ArrayList;
import java.util.List;

/**
 * Required node affinity as logic. A {@link NodeSelector}'s terms are ORed and each term's
 * requirements ANDed, so "both" is the cross product of the terms and "either" their union; null
 * means "any node".
 */
public final class NodeSelectors {
  private NodeSelectors() {}

  /** Nodes that satisfy both; null when neither constrains. */
  public static NodeSelector both(NodeSelector a, NodeSelector b) {
    if (isAny(a)) {
      return b;
    }
    if (isAny(b)) {
      return a;
    }
    List<NodeSelectorTerm> terms = new ArrayList<>();
    for (NodeSelectorTerm x : a.getNodeSelectorTerms()) {
      for (NodeSelectorTerm y : b.getNodeSelectorTerms()) {
        terms.add(
            new NodeSelectorTerm(
                concat(x.getMatchExpressions(), y.getMatchExpressions()),
                concat(x.getMatchFields(), y.getMatchFields())));
      }
    }
    return new NodeSelector(terms);
  }

  /** Nodes that satisfy at least one; null (any node) as soon as one of them is. */
  public static NodeSelector either(List<NodeSelector> selectors) {
    List<NodeSelectorTerm> terms = new ArrayList<>();
    for (NodeSelector s : selectors) {
      if (isAny(s)) {
        return null;
      }
      terms.addAll(s.getNodeSelectorTerms());
    }
    return terms.isEmpty() ? null : new NodeSelector(terms);
  }

  private static boolean isAny(NodeSelector s) {
    return s == null || s.getNodeSelectorTerms() == null || s.getNodeSelectorTerms().isEmpty();
  }

  private static List<NodeSelectorRequirement> concat(
      List<NodeSelectorRequirement> a, List<NodeSelectorRequirement> b) {
    List<NodeSelectorRequirement> out = new ArrayList<>();
    if (a != null) {
      out.addAll(a);
    }
    if (b != null) {
      out.addAll(b);
    }
    return out.isEmpty() ? null : out;
  }
}
