// What Tauri injects into the page (`app.withGlobalTauri`): only the parts ui/ uses.
interface Window {
  __TAURI__?: {
    core: { invoke<T>(cmd: string, args?: object): Promise<T> };
    event: { listen<T>(event: string, handler: (e: { payload: T }) => void): Promise<() => void> };
  };
}
