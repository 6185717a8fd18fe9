package scalelab.registry;

/** Where a run stands. Only FINISHED runs carry a final loss and feed fits. */
public enum RunStatus {
    PLANNED,
    RUNNING,
    FINISHED,
    FAILED
}
