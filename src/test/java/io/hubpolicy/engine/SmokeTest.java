package io.hubpolicy.engine;

import static org.junit.jupiter.api.Assertions.*;

import io.hubpolicy.model.Decision;
import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void smoke() {
    RuleBase rb = Engines.ruleBase("""
        profiles:
        - name: globals
          env: [{name: A, value: "1"}]
          resources: {requests: {memory: 1Gi}, limits: {memory: 2Gi}}
        - name: thoth
          users: [vpavlin]
          images: ['s2i-thoth-notebook:3.6']
          env: [{name: A, value: "2"}, {name: B, value: x}]
          gpu: 1
        sizes:
        - name: Large
          resources: {limits: {memory: 1.5Gi}}
        gpuTypes:
        - type: default
          node_tolerations: [{key: gpu, operator: Exists, effect: NoSchedule}]
        """);
    Decision d = Engines.decide(rb, "vpavlin", "s2i-thoth-notebook:3.6", "Large");
    System.out.println(d.profiles() + " " + d.env() + " " + d.resources() + " " + d.firedRules() + " " + d.tolerations());
    System.out.println(d.fields());
    System.out.println(d.notApplied().get());
    assertEquals(2, d.profiles().size());
  }
}
