package io.hubpolicy.engine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.CodeSource;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.drools.base.common.DroolsObjectInputStream;
import org.drools.base.common.DroolsObjectOutputStream;
import org.drools.base.util.Drools;
import org.kie.api.definition.KiePackage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compiled rules kept in a directory between starts, so that a start with the same rules reads the
 * compiled packages (≈0.3 s) instead of compiling DRL (ECJ and rule building: over half of a
 * start). One file per key; the key covers everything that makes compiled packages valid: the rules
 * (texts and names, the built-in merge rule included), the Drools version, hubpolicy's version and
 * build (the jar: a rebuilt jar may have changed the fact classes the compiled consequences call),
 * and the JVM's feature version. A file that cannot be read — truncated, corrupt, from another
 * build, or holding a class outside {@link #ALLOWED} — is a warning naming it, and the rules are
 * compiled as without a cache: the cache never fails a start. {@link #NONE} is the null object: no
 * directory, nothing read or written.
 */
public final class CompiledRulesCache {
  private static final Logger LOG = LoggerFactory.getLogger(CompiledRulesCache.class);

  /** No cache: every build compiles (today's behaviour, and the CLI's). */
  public static final CompiledRulesCache NONE = new CompiledRulesCache();

  /** The first bytes of an entry; the number changes when the layout below does. */
  static final String MAGIC = "hubpolicy compiled rules 1";

  /** Entries kept in a writable directory; older ones (other rules, other builds) are deleted. */
  static final int KEEP = 8;

  /**
   * The classes an entry may hold, checked on every class in the stream before it is instantiated.
   * Java deserialization instantiates whatever classes a stream names, and some classes on the
   * class path do harmful things while being deserialized (gadget chains); so the directory must be
   * writable only by hubpolicy, like its jar, and this filter is the second line: it admits only
   * what compiled Drools packages are made of (found by running: Drools' rule model, MVEL, the fact
   * classes the rules name, and a few java.lang and java.util collections), plus primitives.
   */
  static final List<String> ALLOWED =
      List.of(
          "org.drools.",
          "org.kie.",
          "org.mvel2.",
          "io.hubpolicy.",
          "java.lang.",
          "java.util.",
          "java.math.",
          "java.time.");

  static final ObjectInputFilter FILTER =
      info -> {
        Class<?> c = info.serialClass();
        if (c == null) {
          return ObjectInputFilter.Status.UNDECIDED; // a depth or size check: no limit here
        }
        while (c.isArray()) {
          c = c.getComponentType();
        }
        if (c.isPrimitive()) {
          return ObjectInputFilter.Status.ALLOWED;
        }
        String name = c.getName();
        if (name.startsWith("java.lang.invoke.") || name.startsWith("java.lang.reflect.")) {
          return ObjectInputFilter.Status.REJECTED; // serialized lambdas, proxies: never in rules
        }
        for (String prefix : ALLOWED) {
          if (name.startsWith(prefix)) {
            return ObjectInputFilter.Status.ALLOWED;
          }
        }
        return ObjectInputFilter.Status.REJECTED;
      };

  private final Path dir;
  private final AtomicBoolean toldReadOnly = new AtomicBoolean();
  private volatile String build;

  private CompiledRulesCache() {
    this.dir = null;
  }

  /** A cache in {@code dir}, which is created on the first write if it does not exist. */
  public CompiledRulesCache(Path dir) {
    this.dir = dir.toAbsolutePath().normalize();
  }

  /** The directory, or null for {@link #NONE}. */
  public Path dir() {
    return dir;
  }

  /** One line for the log. */
  public String describe() {
    return dir == null ? "no rules cache" : "rules cache " + dir;
  }

  /** Where the entry of {@code rulesKey} is (whether or not it exists); null for {@link #NONE}. */
  public Path entry(String rulesKey) {
    return dir == null ? null : dir.resolve("rules-" + sha256(header(rulesKey)) + ".bin");
  }

  /**
   * The compiled packages of {@code rulesKey}, or null if there are none (no cache, no entry, or an
   * entry that cannot be used: logged as a warning naming the file).
   */
  public List<KiePackage> read(String rulesKey) {
    Path file = entry(rulesKey);
    if (file == null) {
      return null;
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      LOG.warn("cannot read the compiled rules in {} ({}); compiling them", file, e.toString());
      return null;
    }
    try {
      return decode(bytes, header(rulesKey));
    } catch (Exception | LinkageError | StackOverflowError e) {
      LOG.warn("the compiled rules in {} cannot be used ({}); compiling them", file, e.toString());
      return null;
    }
  }

  /**
   * Keeps {@code packages}, compiled from the rules of {@code rulesKey}; returns what happened, for
   * the log. Never throws: a directory that cannot be written (a read-only image) is said once.
   */
  public String write(String rulesKey, Collection<KiePackage> packages) {
    Path file = entry(rulesKey);
    if (file == null) {
      return "no rules cache";
    }
    byte[] bytes;
    try {
      bytes = encode(packages, header(rulesKey));
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot serialize the compiled rules for {} ({})", file, e.toString());
      return "not kept: they cannot be serialized";
    }
    try {
      // Read back before it is kept: some rules do not survive Drools' serialization (a declared
      // type's generated class is not found on reading), and an entry that cannot be read would
      // be a warning at every start. This costs a read (~0.1-0.3 s) on a compile, never on a hit.
      decode(bytes, header(rulesKey));
    } catch (Exception | LinkageError | StackOverflowError e) {
      LOG.info(
          "the compiled rules are not kept in {}: they do not read back ({})", dir, e.toString());
      return "not kept: they do not read back from Drools' serialization";
    }
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      // Written beside and renamed over: a reader sees the whole entry or none, even when two
      // replicas sharing the directory write the same entry at once.
      tmp = Files.createTempFile(dir, ".rules-", ".tmp");
      Files.write(tmp, bytes);
      readableByAll(tmp); // a temporary file is private; the entry is for any replica's user
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
      prune(file);
      return "kept in " + file;
    } catch (IOException | UnsupportedOperationException e) {
      if (notWritable(e)) {
        return readOnly(e);
      }
      LOG.warn("cannot keep the compiled rules in {} ({})", file, e.toString());
      return "not kept: " + e;
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          LOG.debug("cannot delete {}", tmp, e);
        }
      }
    }
  }

  private static void readableByAll(Path f) throws IOException {
    if (f.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    }
  }

  /** A directory hubpolicy may not write: read-only file system, permissions, immutable. */
  private static boolean notWritable(Exception e) {
    if (e instanceof AccessDeniedException || e instanceof ReadOnlyFileSystemException) {
      return true;
    }
    String reason = e instanceof FileSystemException f ? String.valueOf(f.getReason()) : "";
    return reason.contains("Read-only") || reason.contains("not permitted");
  }

  private String readOnly(Exception e) {
    if (toldReadOnly.compareAndSet(false, true)) {
      LOG.info(
          "the rules cache {} is read-only ({}): compiled rules are read from it but none are"
              + " added",
          dir,
          e.toString());
    } else {
      LOG.debug("the rules cache {} is read-only", dir, e);
    }
    return "not kept: " + dir + " is read-only";
  }

  /** Deletes all but the newest {@link #KEEP} entries (never {@code keep}). */
  private void prune(Path keep) {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> entries =
          files
              .filter(
                  f -> {
                    String n = f.getFileName().toString();
                    return n.startsWith("rules-") && n.endsWith(".bin") && !f.equals(keep);
                  })
              .sorted(Comparator.comparing(CompiledRulesCache::modified).reversed())
              .toList();
      for (Path old : entries.subList(Math.min(entries.size(), KEEP - 1), entries.size())) {
        Files.deleteIfExists(old);
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("cannot prune the rules cache {}", dir, e);
    }
  }

  private static FileTime modified(Path f) {
    try {
      return Files.getLastModifiedTime(f);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }

  /**
   * The layout: the magic, the header (what the entry was made from, readable), the payload's
   * length and CRC-32, then the payload (the packages, as Drools serializes them).
   */
  static byte[] encode(Collection<KiePackage> packages, String header) throws IOException {
    ByteArrayOutputStream payload = new ByteArrayOutputStream(256 * 1024);
    try (ObjectOutputStream out = new DroolsObjectOutputStream(payload)) {
      out.writeObject(new ArrayList<>(packages));
    }
    return frame(payload.toByteArray(), header);
  }

  /** {@code payload} behind the magic, the header, its length and its CRC-32. */
  static byte[] frame(byte[] p, String header) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream(p.length + 512);
    try (DataOutputStream out = new DataOutputStream(all)) {
      out.writeUTF(MAGIC);
      out.writeUTF(header);
      out.writeInt(p.length);
      out.writeLong(crc(p));
      out.write(p);
    }
    return all.toByteArray();
  }

  @SuppressWarnings("unchecked")
  static List<KiePackage> decode(byte[] bytes, String header)
      throws IOException, ClassNotFoundException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
    if (!MAGIC.equals(in.readUTF())) {
      throw new IOException("not a compiled-rules entry (" + MAGIC + ")");
    }
    String made = in.readUTF();
    if (!header.equals(made)) {
      throw new IOException("made for " + made.replace('\n', ' ') + ", not for this build");
    }
    int length = in.readInt();
    long crc = in.readLong();
    if (length < 0 || length != in.available()) {
      throw new EOFException(
          "the entry is truncated or has trailing bytes: "
              + in.available()
              + " bytes of "
              + length);
    }
    byte[] p = in.readNBytes(length);
    if (crc(p) != crc) {
      throw new IOException("the entry is corrupt (CRC-32 mismatch)");
    }
    try (ObjectInputStream objects = new DroolsObjectInputStream(new ByteArrayInputStream(p))) {
      String[] refused = {null};
      objects.setObjectInputFilter(
          info -> {
            ObjectInputFilter.Status status = FILTER.checkInput(info);
            if (status == ObjectInputFilter.Status.REJECTED && refused[0] == null) {
              refused[0] = info.serialClass().getName();
            }
            return status;
          });
      Object read;
      try {
        read = objects.readObject();
      } catch (InvalidClassException e) {
        if (refused[0] != null) {
          throw new InvalidClassException(
              refused[0], "refused by the filter: compiled rules are not made of this class");
        }
        throw e;
      }
      if (!(read instanceof List<?> list)
          || !list.stream().allMatch(KiePackage.class::isInstance)) {
        throw new IOException("the entry holds no list of packages");
      }
      return (List<KiePackage>) read;
    }
  }

  private static long crc(byte[] b) {
    CRC32 c = new CRC32();
    c.update(b);
    return c.getValue();
  }

  /** What an entry depends on, beside the rules; also its file name (hashed). */
  private String header(String rulesKey) {
    return "rules "
        + rulesKey
        + "\nDrools "
        + Drools.getFullVersion()
        + "\nhubpolicy "
        + build()
        + "\nJava "
        + Runtime.version().feature();
  }

  private String build() {
    String b = build;
    if (b == null) {
      b = version() + " " + codeStamp();
      build = b;
    }
    return b;
  }

  /** hubpolicy's version, as {@code hubpolicy -V} prints it (the same resource). */
  static String version() {
    try (InputStream in =
        CompiledRulesCache.class.getResourceAsStream("/io/hubpolicy/version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  /**
   * Which build of the code this is, beyond its version (a jar rebuilt at the same version may have
   * changed the fact classes): the jar's size and time, or for a classes directory (tests,
   * development) a hash of its class files' sizes and times.
   */
  static String codeStamp() {
    try {
      CodeSource cs = CompiledRulesCache.class.getProtectionDomain().getCodeSource();
      if (cs == null || cs.getLocation() == null) {
        return "code unknown";
      }
      Path code = Path.of(cs.getLocation().toURI());
      if (Files.isRegularFile(code)) {
        return "jar " + Files.size(code) + " bytes " + Files.getLastModifiedTime(code).toMillis();
      }
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      try (Stream<Path> files = Files.walk(code)) {
        for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
          d.update(
              (code.relativize(f)
                      + "\0"
                      + Files.size(f)
                      + "\0"
                      + Files.getLastModifiedTime(f).toMillis()
                      + "\n")
                  .getBytes(StandardCharsets.UTF_8));
        }
      }
      return "classes " + HexFormat.of().formatHex(d.digest()).substring(0, 16);
    } catch (IOException | URISyntaxException | NoSuchAlgorithmException | RuntimeException e) {
      return "code unknown";
    }
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)))
          .substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** For tests: the header an entry of {@code rulesKey} carries. */
  String headerFor(String rulesKey) {
    return header(rulesKey);
  }
}
