package io.hubpolicy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.hubpolicy.api.grpc.GrpcApi;
import io.hubpolicy.api.grpc.v1.DecideRequest;
import io.hubpolicy.api.grpc.v1.GetDecisionRequest;
import io.hubpolicy.api.grpc.v1.LaunchRequest;
import io.hubpolicy.api.grpc.v1.OptionsRequest;
import io.hubpolicy.api.grpc.v1.PolicyGrpc;
import io.hubpolicy.api.grpc.v1.StopRequest;
import io.hubpolicy.auth.BearerAuth;
import io.hubpolicy.auth.Tokens;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.mutation.PodMutator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The gRPC methods with the same bad fields as {@link HostileInputTest}'s HTTP corpus: every call
 * ends OK or with a client's status (INVALID_ARGUMENT...), never INTERNAL or UNKNOWN, and its
 * description names no Java; afterwards decisions still work and are audited.
 */
class HostileGrpcTest {
  static final String TOKEN = "hostile-grpc-test-token";
  static final Set<Status.Code> SERVER_FAULTS =
      Set.of(
          Status.Code.INTERNAL,
          Status.Code.UNKNOWN,
          Status.Code.DATA_LOSS,
          Status.Code.UNIMPLEMENTED,
          Status.Code.CANCELLED);

  @TempDir static Path tmp;
  static Path auditFile;
  static AuditLog audit;
  static GrpcApi api;
  static ManagedChannel channel;
  static PolicyGrpc.PolicyBlockingStub policy;

  @BeforeAll
  static void start() throws Exception {
    auditFile = tmp.resolve("audit.jsonl");
    audit = AuditLog.toFile(auditFile);
    DecisionService decisions =
        new DecisionService(
            new DecisionEngine(Engines.ruleBase(HttpApiTest.CONFIG)), new PodMutator(), audit);
    api = new GrpcApi(TestEdges.calls(decisions), new BearerAuth(Tokens.of(TOKEN)), null);
    int port = api.start("127.0.0.1", 0);
    channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
            .maxInboundMessageSize(16 * 1024 * 1024)
            .build();
    policy = PolicyGrpc.newBlockingStub(channel).withInterceptors(auth());
  }

  static io.grpc.ClientInterceptor auth() {
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + TOKEN);
    return MetadataUtils.newAttachHeadersInterceptor(headers);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (api != null) {
      api.stop();
    }
    if (audit != null) {
      audit.close();
    }
  }

  record Call(String name, Supplier<Object> call) {}

  @Test
  void everyMethodAnswersBadFieldsWithAClientStatusAndKeepsWorking() throws Exception {
    List<Call> calls = corpus(new Random(HostileInputTest.SEED));
    assertTrue(calls.size() > 300, "corpus of " + calls.size());
    List<String> failures = new ArrayList<>();
    for (Call c : calls) {
      try {
        c.call().get();
      } catch (StatusRuntimeException e) {
        String problem = problem(e.getStatus());
        if (problem != null) {
          failures.add(c.name() + ": " + problem);
        }
      }
    }
    assertEquals(List.of(), failures, failures.size() + " of " + calls.size() + " calls failed");
    String id =
        policy
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .decide(DecideRequest.newBuilder().setUser("after-the-corpus").build())
            .getDecision()
            .getDecisionId();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!Files.readString(auditFile).contains(id) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertTrue(Files.readString(auditFile).contains(id), id + " not audited");
  }

  /** What is wrong with a status a hostile call got, or null. */
  static String problem(Status s) {
    if (SERVER_FAULTS.contains(s.getCode())) {
      return s.toString();
    }
    String d = String.valueOf(s.getDescription());
    try {
      HttpApiTest.assertNoInternals(d);
    } catch (AssertionError e) {
      return e.getMessage();
    }
    return d.length() > 2048 ? "a description of " + d.length() + " characters" : null;
  }

  static List<Call> corpus(Random random) {
    PolicyGrpc.PolicyBlockingStub p = policy.withDeadlineAfter(30, TimeUnit.SECONDS);
    List<Call> out = new ArrayList<>();
    List<String> fields = List.of("user", "group", "image", "size", "server");
    for (String field : fields) {
      for (String bad : HostileCorpus.BAD_STRINGS) {
        String n = field + "=" + HostileCorpus.shorten(bad);
        out.add(new Call("decide " + n, () -> p.decide(decide(field, bad).build())));
        out.add(new Call("launch " + n, () -> p.launch(launch(field, bad))));
      }
    }
    for (String bad : HostileCorpus.BAD_STRINGS) {
      String n = HostileCorpus.shorten(bad);
      out.add(
          new Call(
              "options user " + n,
              () -> p.options(OptionsRequest.newBuilder().setUser(bad).build())));
      out.add(
          new Call(
              "options group " + n,
              () -> p.options(OptionsRequest.newBuilder().setUser("bob").addGroups(bad).build())));
      out.add(new Call("stop user " + n, () -> p.stop(stop(bad, "", "server-stopped"))));
      out.add(new Call("stop server " + n, () -> p.stop(stop("bob", bad, "server-stopped"))));
      out.add(new Call("stop event " + n, () -> p.stop(stop("bob", "", bad))));
      out.add(
          new Call(
              "decision id " + n,
              () ->
                  p.getDecision(
                      GetDecisionRequest.newBuilder().setDecisionId("d-" + bad).build())));
    }
    List<String> many = Collections.nCopies(100_000, "g");
    out.add(
        new Call(
            "100000 groups",
            () -> p.decide(DecideRequest.newBuilder().setUser("bob").addAllGroups(many).build())));
    out.add(
        new Call(
            "100000 option groups",
            () ->
                p.options(OptionsRequest.newBuilder().setUser("bob").addAllGroups(many).build())));
    out.add(
        new Call(
            "unknown explain",
            () -> p.decide(DecideRequest.newBuilder().setUser("bob").setExplainValue(99).build())));
    // Pods as text: malformed, truncated, wrong types everywhere, deep, lone surrogates.
    String pod = HostileCorpus.POD.strip();
    List<String> pods =
        new ArrayList<>(
            List.of(
                "{",
                "[]",
                "42",
                "\"pod\"",
                "null",
                "{'a':1}",
                "{\"kind\":{}}",
                "{\"kind\":\"Deployment\"}",
                "[".repeat(100_000),
                "{\"a\":" + "9".repeat(2000) + "}",
                pod.replace("from-pod", "from\\ud800pod"),
                pod.replace("jupyter-bob", "\\udc00"),
                "{\"a\":1,\"a\":2}",
                "{\"metadata\":" + "{\"a\":".repeat(70) + "1" + "}".repeat(71)));
    for (int i = 0; i < 20; i++) {
      pods.add(pod.substring(0, random.nextInt(pod.length() - 1)));
    }
    ObjectNode podTree = (ObjectNode) HostileCorpus.JSON.readTree(pod);
    List<String> pointers = new ArrayList<>();
    pointers(podTree, "", pointers);
    for (String at : pointers) {
      JsonNode w = HostileCorpus.WRONG_TYPES.get(random.nextInt(HostileCorpus.WRONG_TYPES.size()));
      pods.add(HostileCorpus.replace(podTree, at, w).toString());
    }
    for (String bad : pods) {
      String n = "pod " + HostileCorpus.shorten(bad);
      out.add(
          new Call(
              "decide " + n,
              () -> p.decide(DecideRequest.newBuilder().setUser("bob").setPod(bad).build())));
      out.add(
          new Call(
              "launch " + n,
              () -> p.launch(LaunchRequest.newBuilder().setUser("bob").setPod(bad).build())));
    }
    // Bytes that are not UTF-8 in a string field, which no stub would send.
    for (byte[] bad : HostileCorpus.BAD_UTF8) {
      for (int fieldNumber : new int[] {1, 2, 3, 4, 5, 6}) {
        out.add(
            new Call(
                "decide field " + fieldNumber + " not UTF-8", () -> rawDecide(fieldNumber, bad)));
      }
    }
    return out;
  }

  static DecideRequest.Builder decide(String field, String value) {
    DecideRequest.Builder b = DecideRequest.newBuilder().setUser("bob");
    switch (field) {
      case "user" -> b.setUser(value);
      case "group" -> b.addGroups(value);
      case "image" -> b.setImage(value);
      case "size" -> b.setSize(value);
      default -> b.setServer(value);
    }
    return b;
  }

  static LaunchRequest launch(String field, String value) {
    DecideRequest d = decide(field, value).build();
    return LaunchRequest.newBuilder()
        .setUser(d.getUser())
        .addAllGroups(d.getGroupsList())
        .setImage(d.getImage())
        .setSize(d.getSize())
        .setServer(d.getServer())
        .build();
  }

  static StopRequest stop(String user, String server, String event) {
    return StopRequest.newBuilder().setUser(user).setServer(server).setEvent(event).build();
  }

  /** Decide with {@code bytes} as string field {@code field}, and "bob" as the user otherwise. */
  static Object rawDecide(int field, byte[] bytes) {
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    try {
      CodedOutputStream out = CodedOutputStream.newInstance(message);
      if (field != 1) {
        out.writeString(1, "bob");
      }
      out.writeBytes(field, ByteString.copyFrom(bytes));
      out.flush();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    MethodDescriptor<byte[], byte[]> method =
        MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(PolicyGrpc.getDecideMethod().getFullMethodName())
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();
    return ClientCalls.blockingUnaryCall(
        io.grpc.ClientInterceptors.intercept(channel, auth()),
        method,
        CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
        message.toByteArray());
  }

  static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      };

  private static void pointers(JsonNode n, String at, List<String> out) {
    if (n.isObject()) {
      n.properties()
          .forEach(
              e -> {
                String p = at + "/" + e.getKey().replace("~", "~0").replace("/", "~1");
                out.add(p);
                pointers(e.getValue(), p, out);
              });
    } else if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) {
        out.add(at + "/" + i);
        pointers(n.get(i), at + "/" + i, out);
      }
    }
  }

  @Test
  void aUserNameWithAControlCharacterIsInvalidArgumentNamingTheField() {
    StatusRuntimeException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class,
            () -> policy.decide(DecideRequest.newBuilder().setUser("a\u0000b").build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("user: "), e.getStatus().toString());
    assertFalse(e.getStatus().getDescription().contains("\u0000"));
  }
}
