/** A view of the page: built into a root element, refreshed on demand and (with `every`) on a timer. */
export interface View {
	readonly refresh: () => Promise<void>;
	/** Refresh every this many ms while the view is shown. */
	readonly every?: number;
}

/** The hash route's parameters (`#/curves?run=a&run=b&key=charts/success`). */
export const routeParams = (): URLSearchParams => new URLSearchParams(location.hash.split("?")[1] ?? "");

/** Replace the route's parameters without building the view again. */
export const setRouteParams = (params: URLSearchParams): void => {
	const [path] = location.hash.split("?");
	const q = params.toString();
	history.replaceState(null, "", `${path}${q === "" ? "" : `?${q}`}`);
};
