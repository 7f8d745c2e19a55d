package io.hubpolicy.kube;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.hubpolicy.auth.Tokens;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tokens held in one key of a Secret, read with a GET (hubpolicy never lists or watches Secrets)
 * and re-read on a timer so that a rotated token is accepted without a restart. A failed or empty
 * re-read keeps the tokens read before; requests are checked against memory, never the API.
 */
public final class SecretTokens implements Tokens, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SecretTokens.class);

  private final KubernetesClient client;
  private final String namespace;
  private final String name;
  private final String key;
  private final ScheduledExecutorService timer;
  private volatile List<String> tokens;

  /**
   * Reads the Secret now; fails if it or its key is missing or holds no token.
   *
   * @param every how often to re-read it
   */
  public SecretTokens(
      KubernetesClient client, String namespace, String name, String key, Duration every) {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
    this.key = key;
    List<String> first = read();
    if (first.isEmpty()) {
      throw new IllegalArgumentException(describe() + " holds no token");
    }
    this.tokens = first;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "secret-tokens");
              t.setDaemon(true);
              return t;
            });
    long ms = every.toMillis();
    timer.scheduleWithFixedDelay(this::refresh, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** {@code NAME} or {@code NAME/KEY}; the key defaults to {@code token}. */
  public static SecretTokens of(KubernetesClient client, String namespace, String ref) {
    int slash = ref.indexOf('/');
    String name = slash < 0 ? ref : ref.substring(0, slash);
    String key = slash < 0 ? "token" : ref.substring(slash + 1);
    return new SecretTokens(client, namespace, name, key, Duration.ofSeconds(15));
  }

  private List<String> read() {
    Secret s = client.secrets().inNamespace(namespace).withName(name).get();
    if (s == null) {
      throw new IllegalArgumentException(describe() + ": no such Secret");
    }
    String encoded = s.getData() == null ? null : s.getData().get(key);
    String plain = s.getStringData() == null ? null : s.getStringData().get(key);
    if (encoded == null && plain == null) {
      throw new IllegalArgumentException(describe() + ": the Secret has no key '" + key + "'");
    }
    String text =
        plain != null
            ? plain
            : new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
    return Tokens.parse(text);
  }

  private void refresh() {
    try {
      List<String> t = read();
      if (t.isEmpty()) {
        LOG.warn("{} is now empty; keeping the {} token(s) read before", describe(), tokens.size());
      } else if (!t.equals(tokens)) {
        tokens = t;
        LOG.info("{} changed: {} token(s) now valid", describe(), t.size());
      }
    } catch (RuntimeException e) {
      LOG.warn(
          "cannot re-read {} ({}); keeping the tokens read before", describe(), e.getMessage());
    }
  }

  @Override
  public List<String> current() {
    return tokens;
  }

  @Override
  public String describe() {
    return "Secret " + namespace + "/" + name + " key " + key;
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
