package io.hubpolicy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks the relative links of Markdown files the way GitHub renders them: the target file or
 * directory must exist inside the repository, and an anchor ({@code file.md#x} or {@code #x}) must
 * be a heading of the target (GitHub's slugs) or an explicit {@code <a name=…>} / {@code id=…}.
 * Absolute URLs (any scheme, e.g. https or mailto) are not followed. Fenced code blocks and inline
 * code are not Markdown, so links in them are ignored.
 */
final class MarkdownLinks {

  /** One broken link: where it is, what it says, and why it does not resolve. */
  record Problem(Path file, int line, String link, String problem) {
    String describe(Path root) {
      return root.relativize(file).toString().replace('\\', '/')
          + ":"
          + line
          + ": "
          + link
          + " → "
          + problem;
    }
  }

  private static final Pattern FENCE = Pattern.compile("^ {0,3}(`{3,}|~{3,})(.*)$");
  private static final Pattern ATX =
      Pattern.compile("^ {0,3}(#{1,6})(?:[ \\t]+(.*?))?(?:[ \\t]+#+)?[ \\t]*$");
  private static final Pattern SETEXT_UNDERLINE = Pattern.compile("^ {0,3}(=+|-+)[ \\t]*$");
  private static final Pattern NOT_PARAGRAPH =
      Pattern.compile("^\\s*$|^ {0,3}(#|>|[-*+][ \\t]|\\d+[.)][ \\t]|\\||<)");
  private static final Pattern HTML_ANCHOR =
      Pattern.compile(
          "<[A-Za-z][^>]*?\\s(?:id|name)\\s*=\\s*[\"']([^\"']*)[\"']", Pattern.CASE_INSENSITIVE);
  private static final Pattern HTML_LINK =
      Pattern.compile(
          "<[A-Za-z][^>]*?\\s(?:href|src)\\s*=\\s*[\"']([^\"']*)[\"']", Pattern.CASE_INSENSITIVE);
  private static final Pattern REFERENCE_DEFINITION =
      Pattern.compile("^ {0,3}\\[[^\\]]+\\]:[ \\t]*(<[^>]*>|\\S+)");
  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:|^//");

  private final Path root;
  private final Map<Path, Set<String>> anchors = new HashMap<>();

  MarkdownLinks(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  /**
   * Every Markdown file under the root, in a stable order, leaving out {@code .git} and other
   * hidden directories and the build's {@code target/}.
   */
  List<Path> markdownFiles() {
    List<Path> found = new ArrayList<>();
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
              String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
              boolean skip =
                  !dir.equals(root) && (name.startsWith(".") || dir.equals(root.resolve("target")));
              return skip ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              if (isMarkdown(file)) {
                found.add(file);
              }
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    found.sort(null);
    return found;
  }

  /** Every broken link in the given files, in file and line order. */
  List<Problem> check(List<Path> files) {
    List<Problem> problems = new ArrayList<>();
    for (Path file : files) {
      problems.addAll(check(file.toAbsolutePath().normalize()));
    }
    return problems;
  }

  private List<Problem> check(Path file) {
    List<Problem> problems = new ArrayList<>();
    List<String> lines = read(file);
    boolean[] code = codeLines(lines);
    for (int i = 0; i < lines.size(); i++) {
      if (code[i]) {
        continue;
      }
      for (String link : links(lines.get(i))) {
        String problem = resolve(file, link);
        if (problem != null) {
          problems.add(new Problem(file, i + 1, link, problem));
        }
      }
    }
    return problems;
  }

  /** Why {@code link} in {@code file} does not resolve, or null when it does. */
  private String resolve(Path file, String link) {
    String target = link.strip();
    if (target.startsWith("<") && target.endsWith(">")) {
      target = target.substring(1, target.length() - 1);
    }
    if (target.isEmpty()) {
      return "empty link";
    }
    if (SCHEME.matcher(target).find()) {
      return null; // an absolute URL: not this checker's business
    }
    String fragment = null;
    int hash = target.indexOf('#');
    if (hash >= 0) {
      fragment = decode(target.substring(hash + 1));
      target = target.substring(0, hash);
    }
    int query = target.indexOf('?');
    if (query >= 0) {
      target = target.substring(0, query);
    }
    String path = decode(target);
    Path resolved;
    if (path.isEmpty()) {
      resolved = file;
    } else if (path.startsWith("/")) {
      return "absolute path; use a path relative to this file";
    } else {
      resolved = file.getParent().resolve(path).normalize();
      if (!resolved.startsWith(root)) {
        return "points outside the repository";
      }
      if (!Files.exists(resolved)) {
        return "no such file or directory: " + describe(resolved);
      }
    }
    if (fragment == null || fragment.isEmpty()) {
      return null;
    }
    if (Files.isDirectory(resolved)) {
      return "an anchor on a directory";
    }
    if (!isMarkdown(resolved)) {
      return null; // e.g. GitHub's #L12 line anchors in source files
    }
    if (!anchors(resolved).contains(fragment)) {
      return "no heading or anchor '#" + fragment + "' in " + describe(resolved);
    }
    return null;
  }

  private String describe(Path p) {
    return root.relativize(p).toString().replace('\\', '/');
  }

  /** The anchors GitHub gives a Markdown file: heading slugs and explicit ids/names. */
  Set<String> anchors(Path file) {
    return anchors.computeIfAbsent(
        file.toAbsolutePath().normalize(),
        f -> {
          List<String> lines = read(f);
          boolean[] code = codeLines(lines);
          Set<String> result = new LinkedHashSet<>();
          Slugger slugger = new Slugger();
          for (int i = 0; i < lines.size(); i++) {
            if (code[i]) {
              continue;
            }
            String line = lines.get(i);
            Matcher h = ATX.matcher(line);
            if (h.matches()) {
              result.add(slugger.slug(h.group(2) == null ? "" : h.group(2)));
            } else if (i + 1 < lines.size()
                && !code[i + 1]
                && SETEXT_UNDERLINE.matcher(lines.get(i + 1)).matches()
                && !NOT_PARAGRAPH.matcher(line).find()) {
              result.add(slugger.slug(line.strip()));
            }
            Matcher a = HTML_ANCHOR.matcher(line);
            while (a.find()) {
              result.add(a.group(1));
            }
          }
          return result;
        });
  }

  /** Which lines are inside fenced code blocks (the fences included). */
  private static boolean[] codeLines(List<String> lines) {
    boolean[] code = new boolean[lines.size()];
    String fence = null;
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = FENCE.matcher(lines.get(i));
      if (fence == null) {
        if (m.matches() && !(m.group(1).charAt(0) == '`' && m.group(2).contains("`"))) {
          fence = m.group(1);
          code[i] = true;
        }
      } else {
        code[i] = true;
        if (m.matches()
            && m.group(1).charAt(0) == fence.charAt(0)
            && m.group(1).length() >= fence.length()
            && m.group(2).isBlank()) {
          fence = null;
        }
      }
    }
    return code;
  }

  /** The link destinations on one line of Markdown outside code blocks. */
  static List<String> links(String line) {
    List<String> links = new ArrayList<>();
    Matcher def = REFERENCE_DEFINITION.matcher(line);
    if (def.find()) {
      links.add(def.group(1));
      return links;
    }
    String text = withoutCodeSpans(line);
    for (int i = text.indexOf("]("); i >= 0; i = text.indexOf("](", i + 1)) {
      if (i > 0 && text.charAt(i - 1) == '\\') {
        continue;
      }
      String destination = destination(text, i + 2);
      if (destination != null) {
        links.add(destination);
      }
    }
    Matcher html = HTML_LINK.matcher(text);
    while (html.find()) {
      links.add(html.group(1));
    }
    return links;
  }

  /** The destination of an inline link starting at {@code start} (just after "]("). */
  private static String destination(String text, int start) {
    int i = start;
    while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
      i++;
    }
    if (i < text.length() && text.charAt(i) == '<') {
      int end = text.indexOf('>', i);
      return end < 0 ? null : text.substring(i, end + 1);
    }
    int depth = 0;
    int from = i;
    for (; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\' && i + 1 < text.length()) {
        i++;
      } else if (c == '(') {
        depth++;
      } else if (c == ')') {
        if (depth == 0) {
          break;
        }
        depth--;
      } else if (Character.isWhitespace(c)) {
        break;
      }
    }
    return i == from ? "" : text.substring(from, i);
  }

  /** The line with the content of every inline code span blanked out. */
  static String withoutCodeSpans(String line) {
    StringBuilder out = new StringBuilder(line);
    int i = 0;
    while (i < line.length()) {
      if (line.charAt(i) != '`' || (i > 0 && line.charAt(i - 1) == '\\')) {
        i++;
        continue;
      }
      int run = runOfBackticks(line, i);
      int close = findClosingRun(line, i + run, run);
      if (close < 0) {
        i += run;
        continue;
      }
      for (int j = i; j < close + run; j++) {
        out.setCharAt(j, ' ');
      }
      i = close + run;
    }
    return out.toString();
  }

  private static int runOfBackticks(String s, int from) {
    int n = 0;
    while (from + n < s.length() && s.charAt(from + n) == '`') {
      n++;
    }
    return n;
  }

  private static int findClosingRun(String s, int from, int run) {
    int i = from;
    while (i < s.length()) {
      if (s.charAt(i) == '`') {
        int n = runOfBackticks(s, i);
        if (n == run) {
          return i;
        }
        i += n;
      } else {
        i++;
      }
    }
    return -1;
  }

  /** GitHub's heading ids (github-slugger): one instance per document, for the -1, -2 suffixes. */
  static final class Slugger {
    private final Map<String, Integer> occurrences = new HashMap<>();

    String slug(String heading) {
      String original = bare(headingText(heading));
      String result = original;
      while (occurrences.containsKey(result)) {
        int n = occurrences.merge(original, 1, Integer::sum);
        result = original + "-" + n;
      }
      occurrences.put(result, 0);
      return result;
    }

    /** Lowercase; letters, digits, marks, '-', '_' kept; spaces become '-'; all else dropped. */
    static String bare(String text) {
      StringBuilder out = new StringBuilder();
      text.toLowerCase(Locale.ROOT)
          .codePoints()
          .forEach(
              cp -> {
                if (cp == ' ') {
                  out.append('-');
                } else if (cp == '-' || cp == '_' || Character.isLetterOrDigit(cp)) {
                  out.appendCodePoint(cp);
                } else {
                  int type = Character.getType(cp);
                  if (type == Character.NON_SPACING_MARK
                      || type == Character.COMBINING_SPACING_MARK
                      || type == Character.ENCLOSING_MARK) {
                    out.appendCodePoint(cp);
                  }
                }
              });
      return out.toString();
    }

    /** The text GitHub renders for a heading's Markdown: code kept, markup and tags dropped. */
    static String headingText(String markdown) {
      StringBuilder out = new StringBuilder();
      int i = 0;
      while (i < markdown.length()) {
        char c = markdown.charAt(i);
        if (c == '`') {
          int run = runOfBackticks(markdown, i);
          int close = findClosingRun(markdown, i + run, run);
          if (close >= 0) {
            String code = markdown.substring(i + run, close);
            if (code.length() > 1 && code.startsWith(" ") && code.endsWith(" ")) {
              code = code.substring(1, code.length() - 1);
            }
            out.append(code);
            i = close + run;
            continue;
          }
          out.append(markdown, i, i + run);
          i += run;
          continue;
        }
        int next = markdown.indexOf('`', i);
        String plain = markdown.substring(i, next < 0 ? markdown.length() : next);
        out.append(renderPlain(plain));
        i = next < 0 ? markdown.length() : next;
      }
      return out.toString().strip();
    }

    private static String renderPlain(String s) {
      String r = s.replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1"); // links, images → their text
      r = r.replaceAll("<[^>]+>", ""); // inline HTML
      r = r.replaceAll("&[A-Za-z]+;|&#\\d+;", ""); // entities are punctuation here
      r = r.replaceAll("\\\\(\\p{Punct})", "$1"); // backslash escapes
      r = r.replaceAll("(?<![\\p{L}\\p{N}])_+|_+(?![\\p{L}\\p{N}])", ""); // _emphasis_
      return r;
    }
  }

  private static boolean isMarkdown(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".md") || name.endsWith(".markdown");
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }

  private static List<String> read(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
