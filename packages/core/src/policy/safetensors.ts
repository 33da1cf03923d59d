/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * unsigned header length N, N bytes of UTF-8 JSON (`{name: {dtype, shape, data_offsets: [begin,
 * end]}, "__metadata__"?: {string: string}}`, padded with spaces to a multiple of 8), then the
 * tensors' little-endian bytes, contiguous, offsets relative to the end of the header.
 */

/** A float32 tensor to store. */
export interface NamedTensor {
	readonly name: string;
	readonly shape: ReadonlyArray<number>;
	readonly data: Float32Array;
}

/** A tensor read back as float32 (F16 and BF16 upcast when the caller allows them). */
export interface ReadTensor {
	readonly shape: number[];
	readonly data: Float32Array;
}

/** What {@link decodeSafetensors} returns. */
export interface SafetensorsFile {
	readonly tensors: Map<string, ReadTensor>;
	readonly metadata: Record<string, string>;
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Serialise tensors (in the given order) and string metadata to safetensors bytes. */
export const encodeSafetensors = (
	tensors: ReadonlyArray<NamedTensor>,
	metadata: Readonly<Record<string, string>> = {},
): Uint8Array => {
	const header: Record<string, unknown> = {};
	if (Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
	let offset = 0;
	const seen = new Set<string>();
	for (const t of tensors) {
		if (seen.has(t.name) || t.name === "__metadata__")
			throw new Error(`safetensors: bad or duplicate tensor name ${t.name}`);
		seen.add(t.name);
		const n = t.shape.reduce((a, b) => a * b, 1);
		if (n !== t.data.length)
			throw new Error(`safetensors: ${t.name} has ${t.data.length} values for shape [${t.shape.join(",")}]`);
		header[t.name] = { dtype: "F32", shape: [...t.shape], data_offsets: [offset, offset + 4 * n] };
		offset += 4 * n;
	}
	let json = new TextEncoder().encode(JSON.stringify(header));
	const padded = Math.ceil(json.length / 8) * 8;
	if (padded !== json.length) {
		const p = new Uint8Array(padded).fill(0x20);
		p.set(json);
		json = p;
	}
	const out = new Uint8Array(8 + json.length + offset);
	const view = new DataView(out.buffer);
	view.setBigUint64(0, BigInt(json.length), true);
	out.set(json, 8);
	let pos = 8 + json.length;
	for (const t of tensors) {
		if (littleEndian) out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
		else for (let i = 0; i < t.data.length; i++) view.setFloat32(pos + 4 * i, t.data[i] as number, true);
		pos += t.data.byteLength;
	}
	return out;
};

/** Bytes per value of the dtypes read, F32 always, F16 and BF16 with `halfPrecision`. */
const DTYPE_BYTES: Readonly<Record<string, number>> = { F32: 4, F16: 2, BF16: 2 };

/** IEEE half-precision bits to the float they denote (exact in float32). */
const halfToFloat = (h: number): number => {
	const sign = h & 0x8000 ? -1 : 1;
	const exp = (h >> 10) & 0x1f;
	const frac = h & 0x3ff;
	if (exp === 0) return sign * frac * 2 ** -24;
	if (exp === 0x1f) return frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
	return sign * (1 + frac / 1024) * 2 ** (exp - 15);
};

/** Options of {@link decodeSafetensors}. */
export interface DecodeOptions {
	/** Accept F16 and BF16 tensors, upcast to float32 (exactly); default false: F32 only. */
	readonly halfPrecision?: boolean;
	/** Read only these tensors (the others are still checked for their offsets); default all. */
	readonly only?: (name: string) => boolean;
}

/**
 * Parse safetensors bytes. Throws an `Error` whose message says what is wrong (truncated file,
 * bad header JSON, unsupported dtype, offsets out of range or overlapping, shape/size mismatch).
 */
export const decodeSafetensors = (bytes: Uint8Array, options: DecodeOptions = {}): SafetensorsFile => {
	if (bytes.length < 8) throw new Error(`file too short (${bytes.length} bytes) for a safetensors header`);
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const n = view.getBigUint64(0, true);
	if (n > BigInt(bytes.length - 8)) throw new Error(`header length ${n} exceeds the file size ${bytes.length}`);
	const headerLen = Number(n);
	let header: unknown;
	try {
		header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
	} catch (error) {
		throw new Error(`header is not valid JSON: ${String(error)}`);
	}
	if (typeof header !== "object" || header === null || Array.isArray(header))
		throw new Error("header is not a JSON object");
	const base = 8 + headerLen;
	const dataLen = bytes.length - base;
	const tensors = new Map<string, ReadTensor>();
	let metadata: Record<string, string> = {};
	const spans: Array<[number, number, string]> = [];
	for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
		if (name === "__metadata__") {
			if (typeof entry !== "object" || entry === null || Object.values(entry).some((v) => typeof v !== "string"))
				throw new Error("__metadata__ must map strings to strings");
			metadata = entry as Record<string, string>;
			continue;
		}
		const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
		if (typeof e !== "object" || e === null) throw new Error(`tensor ${name}: entry is not an object`);
		const width = typeof e.dtype === "string" ? DTYPE_BYTES[e.dtype] : undefined;
		if (width === undefined || (width !== 4 && !options.halfPrecision))
			throw new Error(
				`tensor ${name}: unsupported dtype ${JSON.stringify(e.dtype)} (only F32${options.halfPrecision ? ", F16, BF16" : ""})`,
			);
		const shape = e.shape;
		if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
			throw new Error(`tensor ${name}: bad shape ${JSON.stringify(shape)}`);
		const off = e.data_offsets;
		if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isInteger(d) && d >= 0))
			throw new Error(`tensor ${name}: bad data_offsets ${JSON.stringify(off)}`);
		const [begin, end] = off as [number, number];
		if (end < begin || end > dataLen)
			throw new Error(`tensor ${name}: data_offsets [${begin}, ${end}] outside the ${dataLen} data bytes`);
		const count = (shape as number[]).reduce((a, b) => a * b, 1);
		if (end - begin !== width * count)
			throw new Error(
				`tensor ${name}: ${end - begin} bytes for shape [${shape.join(",")}] (expected ${width * count})`,
			);
		spans.push([begin, end, name]);
		if (options.only !== undefined && !options.only(name)) continue;
		const data = new Float32Array(count);
		const dv = new DataView(bytes.buffer, bytes.byteOffset + base + begin, end - begin);
		if (e.dtype === "F32") for (let i = 0; i < count; i++) data[i] = dv.getFloat32(4 * i, true);
		else if (e.dtype === "BF16") {
			// bfloat16 is the top half of a float32
			const bits = new Uint32Array(data.buffer);
			for (let i = 0; i < count; i++) bits[i] = dv.getUint16(2 * i, true) << 16;
		} else for (let i = 0; i < count; i++) data[i] = halfToFloat(dv.getUint16(2 * i, true));
		tensors.set(name, { shape: shape as number[], data });
	}
	spans.sort((a, b) => a[0] - b[0]);
	let cursor = 0;
	for (const [begin, end, name] of spans) {
		if (begin !== cursor)
			throw new Error(`tensor ${name}: data at ${begin} leaves a gap or overlap (expected ${cursor})`);
		cursor = end;
	}
	if (cursor !== dataLen) throw new Error(`${dataLen - cursor} trailing bytes after the last tensor`);
	return { tensors, metadata };
};
