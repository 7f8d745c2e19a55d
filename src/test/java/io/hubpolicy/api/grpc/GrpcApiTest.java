package io.hubpolicy.api.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import io.hubpolicy.api.AuditLog;
import io.hubpolicy.api.DecisionService;
import io.hubpolicy.api.TestEdges;
import io.hubpolicy.api.TlsFiles;
import io.hubpolicy.api.grpc.v1.DecideRequest;
import io.hubpolicy.api.grpc.v1.DecideResponse;
import io.hubpolicy.api.grpc.v1.EnvVar;
import io.hubpolicy.api.grpc.v1.Explain;
import io.hubpolicy.api.grpc.v1.GetDecisionRequest;
import io.hubpolicy.api.grpc.v1.GetDecisionResponse;
import io.hubpolicy.api.grpc.v1.LaunchRequest;
import io.hubpolicy.api.grpc.v1.LaunchResponse;
import io.hubpolicy.api.grpc.v1.OptionsRequest;
import io.hubpolicy.api.grpc.v1.OptionsResponse;
import io.hubpolicy.api.grpc.v1.PolicyGrpc;
import io.hubpolicy.api.grpc.v1.StopRequest;
import io.hubpolicy.api.grpc.v1.StopResponse;
import io.hubpolicy.auth.BearerAuth;
import io.hubpolicy.auth.Tokens;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.Engines;
import io.hubpolicy.engine.NoRuleBaseException;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.model.InvalidConfigException;
import io.hubpolicy.mutation.PodMutator;
import io.hubpolicy.services.ServiceLaunchException;
import io.hubpolicy.services.ServicePlanner;
import io.hubpolicy.services.TemplateRenderer;
import io.hubpolicy.services.TemplateSource;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The gRPC edge: a real Netty server on loopback and real stubs, plaintext and TLS. */
class GrpcApiTest {
  static final String TOKEN = "grpc-test-token-7f3a9c";

  static final String CONFIG =
      """
      profiles:
      - name: globals
        env:
        - {name: GREETING, value: hello}
        - name: FROM_SECRET
          valueFrom:
            secretKeyRef: {name: s, key: k}
        resources:
          limits: {memory: 1Gi, cpu: 500m}
      - name: spark
        images: ['spark:1']
        services:
          spark:
            resources:
            - {name: spark-templates, path: cluster}
            return: {SPARK_CLUSTER: metadata.name}
      - name: kubetemplatespawner
        images: ['kts:1']
        services:
          home:
            resources:
            - {name: spark-templates, path: ids}
      sizes:
      - name: Small
        resources: {limits: {memory: 2Gi, cpu: "2"}}
      ---
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: spark-templates}
      data:
        cluster: |
          apiVersion: radanalytics.io/v1
          kind: SparkCluster
          metadata:
            name: spark-cluster-{{ user }}
        ids: |
          apiVersion: v1
          kind: ConfigMap
          metadata: {name: "ids-{{ .Values.escaped_user_server }}"}
          data: {userid: "{{ .Values.userid }}"}
      """;

  static final String DENY =
      """
      package hubpolicy.grpctest
      import io.hubpolicy.engine.facts.*
      rule "Mallory may not spawn" when
        Spawn( user == "mallory" )
        $o : Outcome()
      then
        modify($o) { deny("mallory is suspended until Friday") }
      end
      """;

  static final String POD_JSON =
      """
      {"apiVersion":"v1","kind":"Pod","metadata":{"name":"jupyter-bob"},
       "spec":{"containers":[{"name":"notebook","image":"s2i-minimal-notebook:3.6"}]}}
      """;

  static final Path TLS = Path.of("src", "test", "resources", "tls");
  static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir static Path tmp;
  static RuleBase rb;
  static AuditLog audit;
  static DecisionService decisions;
  static final List<GrpcApi> servers = new ArrayList<>();
  static final List<ManagedChannel> channels = new ArrayList<>();
  static int port;
  static PolicyGrpc.PolicyBlockingStub policy;

  @BeforeAll
  static void start() throws Exception {
    rb = Engines.ruleBase(CONFIG, DENY);
    audit = AuditLog.toFile(tmp.resolve("audit.jsonl"));
    decisions =
        new DecisionService(new DecisionEngine(rb), new PodMutator(), audit)
            .withServices(
                new ServicePlanner(
                    new TemplateRenderer(),
                    TemplateSource.configured(() -> rb.config().templates())),
                "hub",
                false);
    port = serve(decisions, null);
    policy = stub(plaintext(port), "Bearer " + TOKEN);
  }

  /** A server (no cluster: Launch has no launcher) with the test token; returns its port. */
  static int serve(DecisionService d, TlsFiles tls) {
    GrpcApi api = new GrpcApi(TestEdges.calls(d), new BearerAuth(Tokens.of(TOKEN)), tls);
    servers.add(api);
    return api.start("127.0.0.1", 0);
  }

  static ManagedChannel plaintext(int port) {
    return channel(port, InsecureChannelCredentials.create());
  }

  static ManagedChannel channel(int port, ChannelCredentials credentials) {
    ManagedChannel c = Grpc.newChannelBuilderForAddress("127.0.0.1", port, credentials).build();
    channels.add(c);
    return c;
  }

  /**
   * 30 s for each call from when it starts: a stub's own deadline runs from the stub's creation,
   * and the class's shared stub outlived it on a busy machine (every later call failed at once).
   */
  static final ClientInterceptor PER_CALL_DEADLINE =
      new ClientInterceptor() {
        @Override
        public <Q, A> ClientCall<Q, A> interceptCall(
            MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
          return next.newCall(method, options.withDeadlineAfter(30, TimeUnit.SECONDS));
        }
      };

  /** A stub sending this authorization metadata; null for none. */
  static PolicyGrpc.PolicyBlockingStub stub(ManagedChannel channel, String authorization) {
    // A deadline per call: a stub's withDeadlineAfter is one instant for every call made with it,
    // which the later tests of a slow run on a shared machine passed before they started.
    PolicyGrpc.PolicyBlockingStub s =
        PolicyGrpc.newBlockingStub(channel).withInterceptors(PER_CALL_DEADLINE);
    if (authorization == null) {
      return s;
    }
    Metadata headers = new Metadata();
    headers.put(BearerInterceptor.AUTHORIZATION, authorization);
    return s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  @AfterAll
  static void stop() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    servers.forEach(GrpcApi::stop);
    if (audit != null) {
      audit.close();
    }
  }

  static StatusRuntimeException fails(Status.Code code, Runnable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(code, e.getStatus().getCode(), String.valueOf(e.getStatus()));
    String description = String.valueOf(e.getStatus().getDescription());
    assertFalse(description.contains("Exception"), "leaks an exception: " + description);
    assertFalse(description.contains("at io."), "leaks a stack trace: " + description);
    return e;
  }

  static Map<String, EnvVar> env(List<EnvVar> env) {
    Map<String, EnvVar> out = new HashMap<>();
    env.forEach(e -> out.put(e.getName(), e));
    return out;
  }

  // ---------------------------------------------------------------- calls

  @Test
  void decideWithAPodReturnsTheChangedPodAndTypedEnv() {
    DecideResponse r =
        policy.decide(
            DecideRequest.newBuilder()
                .setUser("bob")
                .addGroups("devs")
                .setSize("Small")
                .setPod(POD_JSON)
                .setExplain(Explain.EXPLAIN_FIELDS)
                .build());

    var d = r.getDecision();
    assertTrue(d.getDecisionId().startsWith("d-"), d.getDecisionId());
    assertEquals(rb.revision(), d.getRevision());
    assertEquals("bob", d.getUser());
    assertEquals("Small", d.getSize());
    assertTrue(d.getAllowed());
    assertEquals(List.of("globals"), d.getProfilesList());
    Map<String, EnvVar> env = env(d.getEnvList());
    assertEquals("hello", env.get("GREETING").getValue());
    assertEquals("", env.get("GREETING").getValueFromJson());
    assertEquals("", env.get("FROM_SECRET").getValue());
    assertEquals(
        "s",
        JSON.readTree(env.get("FROM_SECRET").getValueFromJson())
            .at("/secretKeyRef/name")
            .asString());
    assertEquals("bob", env.get("JUPYTERHUB_USER_NAME").getValue());

    JsonNode pod = JSON.readTree(d.getPod());
    JsonNode notebook = pod.at("/spec/containers/0");
    assertEquals("2Gi", notebook.at("/resources/limits/memory").asString(), d.getPod());
    List<String> podEnv = new ArrayList<>();
    notebook.get("env").forEach(e -> podEnv.add(e.get("name").asString()));
    assertTrue(podEnv.containsAll(List.of("GREETING", "FROM_SECRET")), podEnv.toString());
    assertTrue(JSON.readTree(d.getPatch()).size() > 0, d.getPatch());

    // The JSON is the whole HTTP answer, and agrees with the typed fields.
    JsonNode json = JSON.readTree(r.getJson());
    assertEquals(d.getDecisionId(), json.get("decisionId").asString());
    assertEquals(pod, json.get("pod"));
    assertTrue(json.at("/explanation/fields").size() > 0, "explain FIELDS");
    assertTrue(json.at("/explanation/notApplied").isMissingNode(), "explain FIELDS, not FULL");
    assertEquals(json.get("env").size(), d.getEnvCount());
  }

  @Test
  void everyExplainLevelGivesTheJsonHttpGives() throws Exception {
    RuleBase closeRb =
        Engines.ruleBase(
            """
            profiles:
            - name: globals
              env: [{name: GREETING, value: hello}]
            - name: bob on gpu
              users: [bob]
              images: ['gpu:1']
            - name: devs on spark
              groups: [devs]
              images: ['spark:*']
            - name: alice on cpu
              users: [alice]
              images: ['cpu:1']
            - name: alice anywhere
              users: [alice]
            sizes: []
            """);
    DecisionService d =
        new DecisionService(new DecisionEngine(closeRb), new PodMutator(), AuditLog.NONE);
    PolicyGrpc.PolicyBlockingStub grpc = stub(plaintext(serve(d, null)), "Bearer " + TOKEN);
    io.hubpolicy.api.HttpApi http = io.hubpolicy.api.TestEdges.http(d);
    String base = "http://127.0.0.1:" + http.start("127.0.0.1", 0);
    try {
      java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
      String body = "{\"user\":\"bob\",\"groups\":[\"devs\"],\"image\":\"cpu:1\"}";
      DecideRequest bob =
          DecideRequest.newBuilder().setUser("bob").addGroups("devs").setImage("cpu:1").build();
      record Level(String query, DecideRequest request) {}
      List<Level> levels =
          List.of(
              new Level("", bob),
              new Level(
                  "?explain=close", bob.toBuilder().setExplain(Explain.EXPLAIN_CLOSE).build()),
              new Level(
                  "?explain=fields", bob.toBuilder().setExplain(Explain.EXPLAIN_FIELDS).build()),
              new Level("?explain=none", bob.toBuilder().setExplain(Explain.EXPLAIN_NONE).build()),
              new Level("?explain=full", bob.toBuilder().setExplain(Explain.EXPLAIN_FULL).build()),
              new Level(
                  "?explain=full&offset=1&limit=1",
                  bob.toBuilder()
                      .setExplain(Explain.EXPLAIN_FULL)
                      .setOffset(1)
                      .setLimit(1)
                      .build()));
      for (Level level : levels) {
        var answer =
            client.send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(base + "/v1/decisions" + level.query()))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), answer.body());
        var fromHttp = (tools.jackson.databind.node.ObjectNode) JSON.readTree(answer.body());
        var fromGrpc =
            (tools.jackson.databind.node.ObjectNode)
                JSON.readTree(grpc.decide(level.request()).getJson());
        fromHttp.remove("decisionId");
        fromGrpc.remove("decisionId");
        assertEquals(fromHttp, fromGrpc, level.query());
      }
      // What the default says: the close profiles (bob's on another image, the devs' on spark
      // images, alice's on this image) but not "alice anywhere", and how many did not apply.
      JsonNode e = JSON.readTree(grpc.decide(bob).getJson()).get("explanation");
      assertEquals(3, e.get("closeCount").asInt(), e.toString());
      assertEquals(3, e.get("notApplied").size(), e.toString());
      assertEquals(4, e.get("notAppliedCount").asInt(), e.toString());
      assertEquals("bob on gpu", e.at("/notApplied/0/profile").asString(), e.toString());
      assertEquals("devs on spark", e.at("/notApplied/1/profile").asString(), e.toString());
      JsonNode page =
          JSON.readTree(grpc.decide(levels.get(5).request()).getJson()).get("explanation");
      assertEquals("devs on spark", page.at("/notApplied/0/profile").asString(), page.toString());
      assertEquals(1, page.get("notApplied").size(), page.toString());
      // The page's limits are checked as over HTTP.
      fails(
          Status.Code.INVALID_ARGUMENT,
          () ->
              grpc.decide(bob.toBuilder().setExplain(Explain.EXPLAIN_FULL).setLimit(1001).build()));
      fails(Status.Code.INVALID_ARGUMENT, () -> grpc.decide(bob.toBuilder().setOffset(3).build()));
    } finally {
      http.stop();
    }
  }

  @Test
  void aDenialIsAnAnswerForDecideAndPermissionDeniedForLaunch() {
    var decided = policy.decide(DecideRequest.newBuilder().setUser("mallory").build());
    assertFalse(decided.getDecision().getAllowed());
    assertEquals(
        List.of("mallory is suspended until Friday"), decided.getDecision().getReasonsList());

    StatusRuntimeException e =
        fails(
            Status.Code.PERMISSION_DENIED,
            () -> policy.launch(LaunchRequest.newBuilder().setUser("mallory").build()));
    assertTrue(
        e.getStatus().getDescription().contains("mallory is suspended until Friday"),
        e.getStatus().getDescription());
    Metadata trailers = e.getTrailers();
    String id = trailers.get(GrpcErrors.DECISION_ID);
    assertNotNull(id);
    assertTrue(e.getStatus().getDescription().contains(id));
    List<String> reasons = new ArrayList<>();
    trailers
        .getAll(GrpcErrors.REASON)
        .forEach(b -> reasons.add(new String(b, StandardCharsets.UTF_8)));
    assertEquals(List.of("mallory is suspended until Friday"), reasons);
    // The denied launch was audited under that id.
    JsonNode line =
        JSON.readTree(
            policy
                .getDecision(GetDecisionRequest.newBuilder().setDecisionId(id).build())
                .getAuditLine());
    assertFalse(line.at("/result/allowed").asBoolean(true));
  }

  @Test
  void everyBadFieldIsInvalidArgumentNamingIt() {
    DecideRequest.Builder bob = DecideRequest.newBuilder().setUser("bob");
    List<Map.Entry<String, Runnable>> calls =
        List.of(
            Map.entry("user", () -> policy.decide(DecideRequest.newBuilder().build())),
            Map.entry("size", () -> policy.decide(bob.clone().setSize("Huge").build())),
            Map.entry("pod", () -> policy.decide(bob.clone().setPod("{not json").build())),
            Map.entry("explain", () -> policy.decide(bob.clone().setExplainValue(42).build())),
            Map.entry(
                "pod",
                () ->
                    policy.launch(
                        LaunchRequest.newBuilder()
                            .setUser("bob")
                            .setPod("{\"kind\":\"Service\"}")
                            .build())),
            Map.entry(
                "event",
                () ->
                    policy.stop(
                        StopRequest.newBuilder()
                            .setUser("bob")
                            .setEvent("server-exploded")
                            .build())),
            Map.entry("event", () -> policy.stop(StopRequest.newBuilder().setUser("bob").build())),
            Map.entry(
                "decision_id", () -> policy.getDecision(GetDecisionRequest.newBuilder().build())),
            Map.entry("user", () -> policy.options(OptionsRequest.newBuilder().build())));
    for (Map.Entry<String, Runnable> c : calls) {
      StatusRuntimeException e = fails(Status.Code.INVALID_ARGUMENT, c.getValue());
      assertEquals(c.getKey(), e.getTrailers().get(GrpcErrors.FIELD), e.getStatus().toString());
      assertTrue(
          e.getStatus().getDescription().startsWith(c.getKey() + ": "),
          e.getStatus().getDescription());
    }
  }

  @Test
  void launchWithServicesButNoClusterIsAFailedPrecondition() {
    StatusRuntimeException e =
        fails(
            Status.Code.FAILED_PRECONDITION,
            () ->
                policy.launch(
                    LaunchRequest.newBuilder().setUser("bob").setImage("spark:1").build()));
    assertTrue(
        e.getStatus().getDescription().contains("services (spark)"), e.getStatus().toString());
    assertTrue(e.getStatus().getDescription().contains("--kube"));

    LaunchResponse plain =
        policy.launch(LaunchRequest.newBuilder().setUser("bob").setServer("lab").build());
    assertTrue(plain.getDecision().getAllowed());
    assertEquals("lab", plain.getServer());
    assertEquals("", plain.getAnchor(), "nothing to launch");
    assertEquals("lab", JSON.readTree(plain.getJson()).get("server").asString());
  }

  @Test
  void decideShowsTheServicesItWouldLaunch() {
    var d =
        policy
            .decide(
                DecideRequest.newBuilder()
                    .setUser("bob")
                    .setImage("spark:1")
                    .setExplain(Explain.EXPLAIN_NONE)
                    .build())
            .getDecision();
    assertEquals(1, d.getServicesCount());
    assertEquals("spark", d.getServices(0).getName());
    assertEquals("", d.getServices(0).getError());
  }

  @Test
  void theHubsUserIdTravelsAsOnHttp() {
    var answer =
        policy.decide(
            DecideRequest.newBuilder()
                .setUser("bob")
                .setImage("kts:1")
                .setUserId(com.google.protobuf.Int64Value.of(7))
                .build());
    JsonNode json = JSON.readTree(answer.getJson());
    assertEquals(
        "7", json.at("/services/home/manifests/0/data/userid").asString(), answer.getJson());
    var unsent =
        JSON.readTree(
            policy
                .decide(DecideRequest.newBuilder().setUser("bob").setImage("kts:1").build())
                .getJson());
    assertTrue(
        unsent.at("/services/home/error").asString().contains("undefined variable $userid"),
        unsent.toString());
    StatusRuntimeException negative =
        fails(
            Status.Code.INVALID_ARGUMENT,
            () ->
                policy.launch(
                    LaunchRequest.newBuilder()
                        .setUser("bob")
                        .setUserId(com.google.protobuf.Int64Value.of(-3))
                        .build()));
    assertEquals("userId", negative.getTrailers().get(io.hubpolicy.api.grpc.GrpcErrors.FIELD));
  }

  @Test
  void stopWithoutAClusterDeletesNothing() {
    StopResponse r =
        policy.stop(StopRequest.newBuilder().setUser("bob").setEvent("server-stopped").build());
    assertEquals("bob", r.getUser());
    assertEquals("server-stopped", r.getEvent());
    assertEquals(0, r.getDeletedCount());
    assertEquals(0, r.getKeptCount());
  }

  @Test
  void optionsAreTheHttpOptions() {
    OptionsResponse r =
        policy.options(OptionsRequest.newBuilder().setUser("bob").addGroups("devs").build());
    assertEquals(rb.revision(), r.getRevision());
    JsonNode json = JSON.readTree(r.getJson());
    assertEquals("Small", json.at("/sizes/0/name").asString(), r.getJson());
    assertEquals("bob", json.at("/decision/user").asString());
    assertEquals("bob", json.at("/preferences/user").asString());
    assertEquals(text(json.at("/selected/image")), r.getSelectedImage());
  }

  private static String text(JsonNode n) {
    return n.isNull() ? "" : n.asString();
  }

  /** Preview is the HTTP preview: a decision the form shows, not audited; GPU choices travel. */
  @Test
  void previewIsTheHttpPreviewAndTheFormsGpuChoicesTravel() {
    var answer =
        policy.preview(
            DecideRequest.newBuilder()
                .setUser("bob")
                .setSize("Small")
                .setGpu(com.google.protobuf.Int32Value.of(0))
                .build());
    JsonNode json = JSON.readTree(answer.getJson());
    assertTrue(answer.getDecision().getAllowed(), answer.getJson());
    assertEquals("Small", answer.getDecision().getSize());
    assertEquals(0, json.get("gpuGrant").asInt(), "no profile grants GPUs here");
    StatusRuntimeException unknownType =
        fails(
            Status.Code.INVALID_ARGUMENT,
            () ->
                policy.preview(
                    DecideRequest.newBuilder().setUser("bob").setGpuType("h100").build()));
    assertEquals("gpuType", unknownType.getTrailers().get(io.hubpolicy.api.grpc.GrpcErrors.FIELD));
    // A count past the grant, on the spawn's own call, is refused like a forged form.
    var over =
        policy.decide(
            DecideRequest.newBuilder()
                .setUser("bob")
                .setGpu(com.google.protobuf.Int32Value.of(2))
                .build());
    assertTrue(!over.getDecision().getAllowed(), over.getJson());
    assertTrue(
        over.getDecision().getReasons(0).contains("a GPU count of 2 was asked for"),
        over.getJson());
  }

  @Test
  void getDecisionReturnsTheAuditLineOfADecisionJustMade() {
    String id =
        policy
            .decide(
                DecideRequest.newBuilder()
                    .setUser("carol")
                    .setExplain(Explain.EXPLAIN_NONE)
                    .build())
            .getDecision()
            .getDecisionId();

    GetDecisionResponse r =
        policy.getDecision(GetDecisionRequest.newBuilder().setDecisionId(id).build());

    assertEquals(id, r.getDecisionId());
    JsonNode line = JSON.readTree(r.getAuditLine());
    assertEquals(id, line.get("decisionId").asString());
    assertEquals("carol", line.at("/input/user").asString());
    StatusRuntimeException e =
        fails(
            Status.Code.NOT_FOUND,
            () ->
                policy.getDecision(
                    GetDecisionRequest.newBuilder().setDecisionId("d-never-made").build()));
    assertTrue(e.getStatus().getDescription().contains("d-never-made"));
  }

  @Test
  void serverErrorsAreUnavailableOrInternalWithoutInternals() {
    RuleBase broken = Engines.ruleBase(CONFIG, Engines.FAILING_RULE);
    var brokenRules =
        stub(
            plaintext(
                serve(
                    new DecisionService(
                        new DecisionEngine(broken), new PodMutator(), AuditLog.NONE),
                    null)),
            "Bearer " + TOKEN);
    StatusRuntimeException e =
        fails(
            Status.Code.INTERNAL,
            () -> brokenRules.decide(DecideRequest.newBuilder().setUser("bob").build()));
    assertTrue(e.getStatus().getDescription().contains("boom in rule"), e.getStatus().toString());
    // Without an audit log, GetDecision says so.
    e =
        fails(
            Status.Code.FAILED_PRECONDITION,
            () ->
                brokenRules.getDecision(
                    GetDecisionRequest.newBuilder().setDecisionId("d-1").build()));
    assertTrue(e.getStatus().getDescription().contains("audit log is off"));

    var loading =
        stub(
            plaintext(
                serve(
                    new DecisionService(new DecisionEngine(null), new PodMutator(), AuditLog.NONE),
                    null)),
            "Bearer " + TOKEN);
    fails(
        Status.Code.UNAVAILABLE,
        () -> loading.decide(DecideRequest.newBuilder().setUser("bob").build()));
  }

  /** The errors no loopback call here can provoke (most need a cluster), mapped directly. */
  @Test
  void everyDomainErrorHasItsStatus() {
    List<Map.Entry<RuntimeException, Status.Code>> cases =
        List.of(
            Map.entry(
                new ServiceLaunchException(ServiceLaunchException.Cause.TEMPLATE, "t", null),
                Status.Code.FAILED_PRECONDITION),
            Map.entry(
                new ServiceLaunchException(ServiceLaunchException.Cause.CLUSTER, "c", null),
                Status.Code.UNAVAILABLE),
            Map.entry(
                new ServiceLaunchException(ServiceLaunchException.Cause.TIMEOUT, "t", null),
                Status.Code.DEADLINE_EXCEEDED),
            Map.entry(new KubernetesClientException("connection refused"), Status.Code.UNAVAILABLE),
            Map.entry(new NoRuleBaseException(), Status.Code.UNAVAILABLE),
            Map.entry(
                new io.hubpolicy.services.NoClusterException("no cluster"),
                Status.Code.FAILED_PRECONDITION),
            Map.entry(new AuditLog.OffException(), Status.Code.FAILED_PRECONDITION),
            Map.entry(new AuditLog.NotFoundException("d-1"), Status.Code.NOT_FOUND),
            Map.entry(new InvalidConfigException(List.of()), Status.Code.INTERNAL));
    for (Map.Entry<RuntimeException, Status.Code> c : cases) {
      assertEquals(
          c.getValue(), GrpcErrors.toStatus(c.getKey()).getStatus().getCode(), c.toString());
    }
    Status unexpected = GrpcErrors.toStatus(new IllegalStateException("internals")).getStatus();
    assertEquals(Status.Code.INTERNAL, unexpected.getCode());
    assertEquals("internal error; see the hubpolicy log", unexpected.getDescription());
  }

  // ---------------------------------------------------------------- auth

  @Test
  void callsWithoutTheRightBearerTokenAreUnauthenticatedAndTheTokenIsNotLogged() throws Exception {
    ManagedChannel channel = plaintext(port);
    DecideRequest req = DecideRequest.newBuilder().setUser("bob").build();
    String wrong = "wrong-token-5e1d0b";
    Map<String, BearerAuth.Verdict> refused = new java.util.LinkedHashMap<>();
    refused.put(null, BearerAuth.Verdict.MISSING);
    refused.put("Basic " + TOKEN, BearerAuth.Verdict.NOT_BEARER);
    refused.put("Bearer " + wrong, BearerAuth.Verdict.WRONG_TOKEN);

    String log =
        capturingStderr(
            () ->
                refused.forEach(
                    (authorization, verdict) -> {
                      StatusRuntimeException e =
                          fails(
                              Status.Code.UNAUTHENTICATED,
                              () -> stub(channel, authorization).decide(req));
                      assertEquals(verdict.reason(), e.getStatus().getDescription());
                    }));

    for (BearerAuth.Verdict v : refused.values()) {
      assertTrue(
          log.contains("refused hubpolicy.v1.Policy/Decide from /127.0.0.1:")
              && log.contains(v.reason()),
          "log names method, peer and reason:\n" + log);
    }
    assertFalse(log.contains(TOKEN), "the right token was logged:\n" + log);
    assertFalse(log.contains(wrong), "the wrong token was logged:\n" + log);
    assertTrue(stub(channel, "Bearer " + TOKEN).decide(req).getDecision().getAllowed());
  }

  /** What slf4j-simple (which writes to the current System.err) logs while {@code r} runs. */
  static String capturingStderr(Runnable r) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(
        new PrintStream(
            new OutputStream() {
              @Override
              public void write(int b) {
                captured.write(b);
                original.write(b);
              }

              @Override
              public void write(byte[] b, int off, int len) {
                captured.write(b, off, len);
                original.write(b, off, len);
              }
            },
            true,
            StandardCharsets.UTF_8));
    try {
      r.run();
    } finally {
      System.err.flush();
      System.setErr(original);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  // ---------------------------------------------------------------- TLS

  @Test
  void withTlsAClientTrustingTheCertificateIsServedAndAPlaintextOneIsNot() throws Exception {
    int tlsPort = serve(decisions, new TlsFiles(TLS.resolve("tls.crt"), TLS.resolve("tls.key")));
    ChannelCredentials trusting =
        TlsChannelCredentials.newBuilder().trustManager(TLS.resolve("tls.crt").toFile()).build();

    var d =
        stub(channel(tlsPort, trusting), "Bearer " + TOKEN)
            .decide(DecideRequest.newBuilder().setUser("bob").build());
    assertTrue(d.getDecision().getAllowed());

    fails(
        Status.Code.UNAVAILABLE,
        () ->
            stub(plaintext(tlsPort), "Bearer " + TOKEN)
                .decide(DecideRequest.newBuilder().setUser("bob").build()));
  }
}
