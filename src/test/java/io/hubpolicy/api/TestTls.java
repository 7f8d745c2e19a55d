package io.hubpolicy.api;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** The test certificate (src/test/resources/tls) and a client that trusts it and nothing else. */
public final class TestTls {
  public static final Path CERT = Path.of("src/test/resources/tls/tls.crt");
  public static final Path KEY = Path.of("src/test/resources/tls/tls.key");

  private TestTls() {}

  /** An HTTPS client that trusts only the test certificate and checks its SANs. */
  public static HttpClient client() throws Exception {
    return HttpClient.newBuilder()
        .sslContext(trusting(CERT))
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  /** A TLS context that trusts only the test certificate. */
  public static SSLContext context() {
    try {
      return trusting(CERT);
    } catch (Exception e) {
      throw new IllegalStateException("cannot load the test certificate " + CERT, e);
    }
  }

  static SSLContext trusting(Path certificate) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(certificate)) {
      trust.setCertificateEntry(
          "hubpolicy", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
