package io.hubpolicy.api;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A PEM certificate chain and its PEM private key (PKCS#8 or PKCS#1), as a Kubernetes TLS Secret
 * mounts them ({@code tls.crt}, {@code tls.key}). Used by the HTTP and gRPC servers alike.
 */
public record TlsFiles(Path certificate, Path key) {
  public TlsFiles {
    for (Path p : new Path[] {certificate, key}) {
      if (!Files.isReadable(p)) {
        throw new IllegalArgumentException("TLS file " + p + " does not exist or is not readable");
      }
    }
  }

  /** Both or neither: returns null for neither, refuses one without the other. */
  public static TlsFiles of(Path certificate, Path key) {
    if (certificate == null && key == null) {
      return null;
    }
    if (certificate == null || key == null) {
      throw new IllegalArgumentException(
          "TLS needs both a certificate and its key (--tls-cert and --tls-key)");
    }
    return new TlsFiles(certificate, key);
  }
}
