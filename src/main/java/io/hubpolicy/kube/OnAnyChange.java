package io.hubpolicy.kube;

import io.fabric8.kubernetes.client.informers.ResourceEventHandler;

/**
 * An informer handler for caches that rebuild a whole snapshot on any change: which object changed
 * does not matter to them, only that something did.
 */
final class OnAnyChange<T> implements ResourceEventHandler<T> {
  private final Runnable action;

  OnAnyChange(Runnable action) {
    this.action = action;
  }

  @Override
  public void onAdd(T obj) {
    action.run();
  }

  @Override
  public void onUpdate(T before, T after) {
    action.run();
  }

  @Override
  public void onDelete(T obj, boolean finalStateUnknown) {
    action.run();
  }
}
