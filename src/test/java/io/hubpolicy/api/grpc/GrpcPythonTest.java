package io.hubpolicy.api.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.hubpolicy.api.AuditLog;
import io.hubpolicy.api.DecisionService;
import io.hubpolicy.api.TestEdges;
import io.hubpolicy.api.TlsFiles;
import io.hubpolicy.auth.BearerAuth;
import io.hubpolicy.auth.Tokens;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.mutation.PodMutator;
import io.hubpolicy.testing.Outside;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Python client, as a JupyterHub hook would be, against a real gRPC server over TLS: stubs
 * generated from the proto with Debian's grpc_tools (so the proto must stay within what its old
 * protoc accepts), then {@code src/test/python/hubpolicy_client.py}.
 */
class GrpcPythonTest {
  /**
   * Debian's (/usr/bin/python3, see {@link Outside#python}): python3-grpcio and python3-grpc-tools
   * are installed for it, not for pyenv's.
   */
  static final Path PYTHON = Outside.python();

  static final Path PROTO_ROOT = Path.of("src", "main", "proto");
  static final Path CLIENT = Path.of("src", "test", "python", "hubpolicy_client.py");
  static final Path TLS = Path.of("src", "test", "resources", "tls");
  static final String TOKEN = "python-test-token-0c4e2a";
  static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir Path tmp;

  record Run(int exit, String stdout, String stderr) {}

  Run run(List<String> command, Map<String, String> env) throws Exception {
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    // Only Debian's own packages: no pyenv or user site directory may shadow them.
    Outside.cleanPythonEnvironment(pb);
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      fail(command + " did not finish in 120 s; stderr:\n" + Files.readString(err));
    }
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  /** Skips where Debian's Python gRPC packages are missing; never passes silently. */
  static void requirePythonGrpc() {
    Outside.assumeAvailable(
        Outside.pythonModulesMissing(
            "Debian's Python gRPC packages",
            List.of("grpc", "grpc_tools.protoc"),
            "apt-get install python3-grpcio python3-grpc-tools"));
  }

  @Test
  void aPythonClientDecidesIsDeniedIsRefusedWithoutTokenAndReadsTheAuditLine() throws Exception {
    requirePythonGrpc();
    Path gen = Files.createDirectories(tmp.resolve("gen"));
    Run protoc =
        run(
            List.of(
                PYTHON.toString(),
                "-m",
                "grpc_tools.protoc",
                "-I",
                PROTO_ROOT.toString(),
                "--python_out=" + gen,
                "--grpc_python_out=" + gen,
                "hubpolicy/v1/hubpolicy.proto"),
            Map.of());
    // Not a skip: a proto the hub's tools cannot compile is a broken API.
    assertEquals(0, protoc.exit(), "grpc_tools.protoc rejected the proto:\n" + protoc.stderr());

    AuditLog audit = AuditLog.toFile(tmp.resolve("audit.jsonl"));
    DecisionService decisions =
        new DecisionService(
            new DecisionEngine(Engines.ruleBase(GrpcApiTest.CONFIG, GrpcApiTest.DENY)),
            new PodMutator(),
            audit);
    GrpcApi api =
        new GrpcApi(
            TestEdges.calls(decisions),
            new BearerAuth(Tokens.of(TOKEN)),
            new TlsFiles(TLS.resolve("tls.crt"), TLS.resolve("tls.key")));
    int port = api.start("127.0.0.1", 0);
    Run client;
    try {
      Path tokenFile = Files.writeString(tmp.resolve("token"), TOKEN + "\n");
      client =
          run(
              List.of(
                  PYTHON.toString(),
                  CLIENT.toString(),
                  "127.0.0.1:" + port,
                  tokenFile.toString(),
                  TLS.resolve("tls.crt").toString()),
              Map.of("PYTHONPATH", gen.toString()));
    } finally {
      api.stop();
      audit.close();
    }
    assertEquals(0, client.exit(), "client failed:\n" + client.stderr() + client.stdout());
    JsonNode out = parseLastLine(client.stdout());

    JsonNode decide = out.get("decide");
    String id = decide.get("decision_id").asString();
    assertTrue(id.startsWith("d-"), out.toString());
    assertEquals(id, decide.get("json_decision_id").asString());
    assertTrue(decide.get("allowed").asBoolean(), out.toString());
    assertEquals("hello", decide.at("/env/GREETING").asString(), out.toString());
    assertEquals("s", decide.at("/value_from/FROM_SECRET/secretKeyRef/name").asString());
    assertEquals("2Gi", decide.get("pod_memory_limit").asString());

    JsonNode denied = out.get("denied");
    assertEquals("PERMISSION_DENIED", denied.get("code").asString(), out.toString());
    assertTrue(denied.get("details").asString().contains("mallory is suspended until Friday"));
    assertTrue(denied.get("decision_id").asString().startsWith("d-"), out.toString());
    assertEquals(List.of("mallory is suspended until Friday"), strings(denied.get("reasons")));

    JsonNode invalid = out.get("invalid");
    assertEquals("INVALID_ARGUMENT", invalid.get("code").asString(), out.toString());
    assertEquals("size", invalid.get("field").asString());

    JsonNode anonymous = out.get("anonymous");
    assertEquals("UNAUTHENTICATED", anonymous.get("code").asString(), out.toString());
    assertEquals(BearerAuth.Verdict.MISSING.reason(), anonymous.get("details").asString());

    assertEquals(id, out.at("/audit/decision_id").asString(), out.toString());
    assertEquals("bob", out.at("/audit/user").asString());
  }

  private static JsonNode parseLastLine(String stdout) throws IOException {
    List<String> lines = stdout.strip().lines().toList();
    assertTrue(!lines.isEmpty(), "the client printed nothing");
    return JSON.readTree(lines.get(lines.size() - 1));
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asString()));
    return out;
  }
}
