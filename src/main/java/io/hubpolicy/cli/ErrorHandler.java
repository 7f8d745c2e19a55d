package io.hubpolicy.cli;

import io.hubpolicy.app.SettingException;
import io.hubpolicy.model.InvalidConfigException;
import io.hubpolicy.model.InvalidRequestException;
import io.hubpolicy.model.PolicyException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/** Domain exceptions become messages and exit codes here; users never see a stack trace. */
final class ErrorHandler implements IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parseResult) {
    var err = cmd.getErr();
    if (e instanceof InvalidRequestException ire) {
      err.println("hubpolicy: " + ire.field() + ": " + ire.getMessage());
      return Main.BAD_INPUT;
    }
    if (e instanceof InvalidConfigException ice) {
      err.println("hubpolicy: " + ice.getMessage());
      return Main.BAD_INPUT;
    }
    if (e instanceof SettingException se) {
      err.println("hubpolicy: " + se.getMessage());
      return Main.BAD_INPUT;
    }
    if (e instanceof PolicyException pe) {
      err.println("hubpolicy: " + pe.getMessage());
      return Main.FAILURE;
    }
    err.println("hubpolicy: internal error: " + e);
    return Main.FAILURE;
  }
}
