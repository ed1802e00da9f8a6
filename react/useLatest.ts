import { useEffect, useLayoutEffect, useRef } from "react";

// Layout effects don't run on a server render; what reads the ref only runs after mount anyway.
const useIsomorphicLayoutEffect = typeof document === "undefined" ? useEffect : useLayoutEffect;

/** A ref to the latest `value`, updated when the render commits (before any effect reads it). */
export function useLatest<V>(value: V): { readonly current: V } {
  const latest = useRef(value);
  useIsomorphicLayoutEffect(() => {
    latest.current = value;
  });
  return latest;
}
