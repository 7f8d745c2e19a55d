package io.hubpolicy.cli;

import io.hubpolicy.api.AuditLog;
import io.hubpolicy.api.DecisionService;
import io.hubpolicy.api.HttpApi;
import io.hubpolicy.engine.DecisionEngine;
import io.hubpolicy.engine.RuleBase;
import io.hubpolicy.mutation.PodMutator;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The composition root of the service: settings in, components wired by constructor. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Serves decisions over HTTP: POST /v1/decisions, GET /v1/config, /healthz, /readyz.")
final class ServeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

  @Option(
      names = "--port",
      defaultValue = "${env:HUBPOLICY_PORT:-8080}",
      description = "Port (0: any free). Env: HUBPOLICY_PORT. Default: ${DEFAULT-VALUE}.")
  int port;

  @Option(
      names = "--host",
      defaultValue = "${env:HUBPOLICY_HOST:-127.0.0.1}",
      description = "Address to listen on. Env: HUBPOLICY_HOST. Default: ${DEFAULT-VALUE}.")
  String host;

  @Option(
      names = "--audit-log",
      paramLabel = "PATH",
      defaultValue = "${env:HUBPOLICY_AUDIT_LOG:-hubpolicy-audit.jsonl}",
      description =
          "Where each decision is appended as a JSON line; 'none' for no log. Env: HUBPOLICY_AUDIT_LOG. Default: ${DEFAULT-VALUE}.")
  String auditLog;

  @Mixin ConfigOptions config;

  @Override
  public Integer call() throws Exception {
    RuleBase rb = config.build();
    LOG.info(
        "rule base {}: {} profiles, {} sizes from {}; rules from {}",
        rb.revision(),
        rb.config().profiles().size(),
        rb.sizes().size(),
        rb.config().sources().size() + " source(s)",
        rb.ruleSources());
    AuditLog audit = "none".equals(auditLog) ? AuditLog.NONE : AuditLog.toFile(Path.of(auditLog));
    DecisionService decisions =
        new DecisionService(new DecisionEngine(rb), new PodMutator(), audit);
    HttpApi http = new HttpApi(decisions);
    int actual = http.start(host, port);
    // Tests and scripts wait for this exact line.
    System.out.println(
        "hubpolicy serving on http://" + host + ":" + actual + " (revision " + rb.revision() + ")");
    System.out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  http.stop();
                  audit.close();
                  stopped.countDown();
                },
                "shutdown"));
    stopped.await();
    return Main.OK;
  }
}
