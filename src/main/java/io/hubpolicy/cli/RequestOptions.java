package io.hubpolicy.cli;

import io.hubpolicy.model.SpawnRequest;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --user --group --image --size --server --user-id}: the spawn request, shared by decide and
 * explain.
 */
final class RequestOptions {
  @Option(
      names = "--user",
      required = true,
      description = "JupyterHub user name, as the hub has it.")
  String user;

  @Option(
      names = "--group",
      paramLabel = "GROUP",
      description = "A group of the user (repeatable).")
  List<String> groups = new ArrayList<>();

  @Option(names = "--image", description = "Notebook image, e.g. s2i-thoth-notebook:3.6.")
  String image;

  @Option(
      names = "--size",
      description = "Chosen size (Small, Medium, Large...; Default or none for no size).")
  String size;

  @Option(
      names = "--server",
      description = "Named server (default: the user's default server); names service objects.")
  String server = "";

  @Option(
      names = "--user-id",
      paramLabel = "ID",
      description = "The hub's id of the user, for {userid} in the configuration.")
  Long userId;

  SpawnRequest request() {
    return new SpawnRequest(user, groups, image, size).withServer(server).withUserId(userId);
  }
}
