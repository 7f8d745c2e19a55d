package io.hubpolicy.profiles;

import io.hubpolicy.format.StrictReader;
import io.hubpolicy.format.YNode;
import io.hubpolicy.format.YNode.YMap;
import io.hubpolicy.model.Audience;
import io.hubpolicy.model.ImageOffer;
import io.hubpolicy.model.ImagePattern;
import io.hubpolicy.model.SourceRef;
import io.hubpolicy.model.UnlistedImages;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code images:}, the images users may choose and to whom, and {@code unlistedImages:}, the custom
 * images a user may type in (KubeSpawner's {@code unlisted_choice} with {@code validation_regex}).
 */
final class ImagesSchema {
  static final Set<String> OFFER_KEYS =
      Set.of("image", "users", "groups", "displayName", "description", "default");
  static final Set<String> UNLISTED_KEYS = Set.of("pattern", "users", "groups", "displayName");

  private ImagesSchema() {}

  static void offer(StrictReader in, YNode node, String field, Loaded acc) {
    if (!(node instanceof YMap m)) {
      in.problem(node.line(), field, "an image entry must be a mapping, found " + node.kind());
      return;
    }
    int mark = in.mark();
    in.unknownKeys(m, field, OFFER_KEYS);
    String image = in.requiredString(m, "image", field);
    Audience audience =
        new Audience(in.stringList(m, "users", field), in.stringList(m, "groups", field));
    String displayName = in.optionalString(m, "displayName", field);
    String description = in.optionalString(m, "description", field);
    boolean isDefault = in.bool(m.get("default"), field + ".default", false);
    if (in.cleanSince(mark)) {
      acc.images.add(
          new ImageOffer(
              new ImagePattern(image),
              audience,
              displayName,
              description,
              isDefault,
              new SourceRef(in.source(), m.line())));
    }
  }

  static void unlisted(StrictReader in, YNode node, String field, Loaded acc) {
    if (!(node instanceof YMap m)) {
      in.problem(node.line(), field, "must be a mapping, found " + node.kind());
      return;
    }
    int mark = in.mark();
    in.unknownKeys(m, field, UNLISTED_KEYS);
    String pattern = in.requiredString(m, "pattern", field);
    Pattern compiled = null;
    if (pattern != null) {
      try {
        compiled = Pattern.compile(pattern);
      } catch (PatternSyntaxException e) {
        in.problem(
            m.keyLine("pattern"),
            field + ".pattern",
            "'" + pattern + "' is not a regular expression: " + e.getDescription());
      }
    }
    Audience audience =
        new Audience(in.stringList(m, "users", field), in.stringList(m, "groups", field));
    String displayName = in.optionalString(m, "displayName", field);
    if (in.cleanSince(mark)) {
      acc.unlisted =
          new UnlistedImages(
              compiled, audience, displayName == null ? "Custom image" : displayName);
    }
  }
}
