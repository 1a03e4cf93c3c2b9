#!/usr/bin/env node
// wordcount: a plughost plugin written in JavaScript for Node.js.
//
// It is a complete worker for protocol v1 (docs/protocol.md) with no
// dependencies beyond Node's standard library. The file has three parts:
//
//   1. start-up: the cookie check, protecting the channel, ignoring SIGINT;
//   2. the protocol: strict JSON in and out, line framing, the methods;
//   3. the plugin itself: its manifest and its three commands.
//
// Only part 3 is specific to wordcount; parts 1 and 2 can be copied into
// another plugin unchanged.
'use strict';

const fs = require('fs');

// ---------------------------------------------------------------------------
// 1. Start-up
// ---------------------------------------------------------------------------

const COOKIE_NAME = 'PLUGHOST_MAGIC_COOKIE';
const COOKIE_VALUE = 'c6ae7bd2f1e94b0a8d5b3e1f7a9c0d24';
const NOT_RUN_DIRECTLY =
  'this is a plughost plugin worker, started by plughost; it is not meant to be run directly';

if (process.env[COOKIE_NAME] !== COOKIE_VALUE) {
  fs.writeSync(2, NOT_RUN_DIRECTLY + '\n');
  process.exit(1);
}

const { O_RDONLY, O_WRONLY, O_APPEND } = fs.constants;

// Node has no dup() or dup2(). On POSIX systems the same effect is had from
// two facts: opening /dev/fd/N gives a new descriptor for whatever fd N is
// (on Linux it re-opens the pipe, on macOS and the BSDs it is a dup), and
// open() always returns the lowest free descriptor, so closing fd 1 and then
// opening something makes that something fd 1. This runs before any plugin
// code, while nothing else in the process is opening files, and before
// process.stdin / process.stdout exist (Node creates them on first use).
//
// When /dev/fd/N cannot be opened (fd N is a socket on Linux, or there is no
// /dev/fd), the channel stays on fd 0 and fd 1 and the protection falls back
// to JavaScript: process.stdout, and so console.log and friends, is made to
// write to stderr. Output written to fd 1 by native code or by child
// processes that inherit it then does reach the channel; the README says so.
function protectChannel() {
  const channel = { input: 0, output: 1, protected: true };

  // Output: a private descriptor for the channel, then fd 1 -> stderr.
  let privateOut = -1;
  let stderrProbe = -1;
  try {
    privateOut = fs.openSync('/dev/fd/1', O_WRONLY);
    // O_APPEND so that a regular file is not overwritten from offset 0.
    stderrProbe = fs.openSync('/dev/fd/2', O_WRONLY | O_APPEND);
  } catch {
    if (privateOut !== -1) fs.closeSync(privateOut);
    privateOut = -1;
  }
  if (privateOut !== -1) {
    fs.closeSync(1);
    let fd;
    try {
      fd = fs.openSync('/dev/fd/2', O_WRONLY | O_APPEND);
    } catch {
      fd = fs.openSync('/dev/null', O_WRONLY);
    }
    fs.closeSync(stderrProbe);
    if (fd !== 1) {
      fs.writeSync(2, `wordcount worker: could not point fd 1 at stderr (got fd ${fd})\n`);
      process.exit(70);
    }
    channel.output = privateOut;
  } else {
    channel.protected = false;
    const stderrDescriptor = Object.getOwnPropertyDescriptor(process, 'stdout');
    Object.defineProperty(process, 'stdout', {
      configurable: true,
      enumerable: stderrDescriptor ? stderrDescriptor.enumerable : true,
      get() {
        return process.stderr;
      },
    });
  }

  // Input: a private descriptor for the channel, then fd 0 -> /dev/null.
  try {
    const privateIn = fs.openSync('/dev/fd/0', O_RDONLY);
    fs.closeSync(0);
    const fd = fs.openSync('/dev/null', O_RDONLY);
    if (fd !== 0) {
      fs.writeSync(2, `wordcount worker: could not point fd 0 at /dev/null (got fd ${fd})\n`);
      process.exit(70);
    }
    channel.input = privateIn;
  } catch {
    channel.protected = false;
  }
  return channel;
}

const channel = protectChannel();

// A Ctrl-C at the terminal is the host's to handle.
process.on('SIGINT', () => {});

// ---------------------------------------------------------------------------
// 2. The protocol
// ---------------------------------------------------------------------------

const PROTOCOL_VERSIONS = [1];
const DEFAULT_MAX_MESSAGE = 16 * 1024 * 1024;
const MAX_DEPTH = 64;
const MAX_INTEGER_DIGITS = 4300;

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const METHOD_NOT_FOUND = -32601;
const INVALID_PARAMS = -32602;
const INTERNAL_ERROR = -32603;
const COMMAND_RAISED = -32000;
const NO_COMMON_VERSION = -32001;
const CANNOT_LOAD = -32002;
const CANCELLED = -32800;

function maxMessageFromEnv() {
  const raw = process.env.PLUGHOST_MAX_MESSAGE;
  if (raw !== undefined && /^[0-9]+$/.test(raw.trim())) {
    const value = Number(raw.trim());
    if (value > 0) return value;
  }
  return DEFAULT_MAX_MESSAGE;
}

const MAX_MESSAGE = maxMessageFromEnv();

class JsonError extends Error {}

// A strict JSON parser (RFC 8259): no NaN or Infinity, no duplicate keys,
// at most MAX_DEPTH levels of objects and arrays, integers of at most
// MAX_INTEGER_DIGITS digits. JSON.parse accepts duplicate keys and turns
// 1e400 into Infinity, so it cannot be used. Objects have no prototype, so a
// key such as "__proto__" is an ordinary key. Integers that do not fit a
// double exactly are returned as BigInt, so that an id is echoed unchanged.
function parseJson(text) {
  let pos = 0;

  function fail(what) {
    throw new JsonError(`${what} at character ${pos}`);
  }

  function skipWhitespace() {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) pos += 1;
      else break;
    }
  }

  function parseValue(depth) {
    skipWhitespace();
    if (pos >= text.length) fail('unexpected end of input');
    const c = text[pos];
    if (c === '{') return parseObject(depth + 1);
    if (c === '[') return parseArray(depth + 1);
    if (c === '"') return parseString();
    if (c === '-' || (c >= '0' && c <= '9')) return parseNumber();
    if (text.startsWith('true', pos)) {
      pos += 4;
      return true;
    }
    if (text.startsWith('false', pos)) {
      pos += 5;
      return false;
    }
    if (text.startsWith('null', pos)) {
      pos += 4;
      return null;
    }
    return fail(`unexpected character ${JSON.stringify(c)}`);
  }

  function parseObject(depth) {
    if (depth > MAX_DEPTH) fail(`objects and arrays nested more than ${MAX_DEPTH} deep`);
    pos += 1;
    const object = Object.create(null);
    skipWhitespace();
    if (text[pos] === '}') {
      pos += 1;
      return object;
    }
    for (;;) {
      skipWhitespace();
      if (text[pos] !== '"') fail('expected a string key');
      const key = parseString();
      if (Object.hasOwn(object, key)) fail(`duplicate key ${JSON.stringify(key)}`);
      skipWhitespace();
      if (text[pos] !== ':') fail("expected ':'");
      pos += 1;
      object[key] = parseValue(depth);
      skipWhitespace();
      if (text[pos] === ',') {
        pos += 1;
      } else if (text[pos] === '}') {
        pos += 1;
        return object;
      } else {
        fail("expected ',' or '}'");
      }
    }
  }

  function parseArray(depth) {
    if (depth > MAX_DEPTH) fail(`objects and arrays nested more than ${MAX_DEPTH} deep`);
    pos += 1;
    const array = [];
    skipWhitespace();
    if (text[pos] === ']') {
      pos += 1;
      return array;
    }
    for (;;) {
      array.push(parseValue(depth));
      skipWhitespace();
      if (text[pos] === ',') {
        pos += 1;
      } else if (text[pos] === ']') {
        pos += 1;
        return array;
      } else {
        fail("expected ',' or ']'");
      }
    }
  }

  const ESCAPES = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

  function parseString() {
    pos += 1;
    let result = '';
    let runStart = pos;
    for (;;) {
      if (pos >= text.length) fail('unterminated string');
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        result += text.slice(runStart, pos);
        pos += 1;
        return result;
      }
      if (c < 0x20) fail('control character in string');
      if (c === 0x5c) {
        result += text.slice(runStart, pos);
        const e = text[pos + 1];
        if (e === 'u') {
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
          result += String.fromCharCode(parseInt(hex, 16));
          pos += 6;
        } else if (e !== undefined && Object.hasOwn(ESCAPES, e)) {
          result += ESCAPES[e];
          pos += 2;
        } else {
          fail('bad escape');
        }
        runStart = pos;
      } else {
        pos += 1;
      }
    }
  }

  const NUMBER = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

  function parseNumber() {
    NUMBER.lastIndex = pos;
    const match = NUMBER.exec(text);
    if (match === null) fail('bad number');
    const literal = match[0];
    pos += literal.length;
    if (match[2] === undefined && match[3] === undefined) {
      if (match[1].length > MAX_INTEGER_DIGITS) {
        fail(`integer with more than ${MAX_INTEGER_DIGITS} digits`);
      }
      const value = Number(literal);
      return Number.isSafeInteger(value) ? value : BigInt(literal);
    }
    const value = Number(literal);
    if (!Number.isFinite(value)) fail('number out of range');
    return value;
  }

  const value = parseValue(0);
  skipWhitespace();
  if (pos !== text.length) fail('extra data after the value');
  return value;
}

class EncodeError extends Error {}

// Strict JSON out: one line, ASCII only (every other character is written as
// a \u escape, so no byte of the line can be taken for a line break), and
// only values that are JSON: no NaN, Infinity, undefined or functions.
function encodeJson(value, depth = 0) {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new EncodeError(`${value} is not valid JSON`);
      return JSON.stringify(value);
    case 'bigint':
      if (value.toString().replace('-', '').length > MAX_INTEGER_DIGITS) {
        throw new EncodeError(`an integer with more than ${MAX_INTEGER_DIGITS} digits`);
      }
      return value.toString();
    case 'string':
      return JSON.stringify(value).replace(
        /[\u007f-\uffff]/g,
        (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
      );
    case 'object': {
      if (depth + 1 > MAX_DEPTH) {
        throw new EncodeError(`objects and arrays nested more than ${MAX_DEPTH} deep`);
      }
      if (Array.isArray(value)) {
        return '[' + value.map((item) => encodeJson(item, depth + 1)).join(',') + ']';
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== null && proto !== Object.prototype) {
        throw new EncodeError(`a ${value.constructor.name} is not valid JSON`);
      }
      const parts = Object.keys(value).map(
        (key) => encodeJson(key, depth + 1) + ':' + encodeJson(value[key], depth + 1),
      );
      return '{' + parts.join(',') + '}';
    }
    default:
      throw new EncodeError(`a ${typeof value} is not valid JSON`);
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

function writeAll(fd, text) {
  const buffer = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < buffer.length) {
    try {
      offset += fs.writeSync(fd, buffer, offset, buffer.length - offset);
    } catch (error) {
      if (error.code === 'EAGAIN') {
        Atomics.wait(sleepCell, 0, 0, 1);
        continue;
      }
      throw error;
    }
  }
}

// Log lines on stderr: one JSON object with `level` and `message`, which the
// host re-emits on its logger for this plugin.
function log(level, message) {
  try {
    writeAll(2, encodeJson({ level, message }) + '\n');
  } catch {
    // stderr is gone: nothing useful left to do with a log line.
  }
}

function send(message) {
  let line;
  try {
    line = encodeJson({ jsonrpc: '2.0', ...message });
  } catch (error) {
    line = encodeJson({
      jsonrpc: '2.0',
      id: message.id,
      error: { code: INTERNAL_ERROR, message: `cannot encode the response: ${error.message}` },
    });
  }
  if (line.length > MAX_MESSAGE) {
    line = encodeJson({
      jsonrpc: '2.0',
      id: message.id,
      error: {
        code: INTERNAL_ERROR,
        message: `the response is ${line.length} bytes, more than the limit of ${MAX_MESSAGE}`,
      },
    });
  }
  try {
    writeAll(channel.output, line + '\n');
  } catch (error) {
    // The host closed the channel: it has gone, so go too.
    log('error', `cannot write to the host: ${error.message}`);
    process.exit(1);
  }
}

function reply(id, result) {
  send({ id, result });
}

function replyError(id, code, message, data) {
  const error = { code, message };
  if (data !== undefined) error.data = data;
  send({ id, error });
}

// Raised by a command to report a failure on purpose ("expected": true).
class CommandError extends Error {
  get name() {
    return this.constructor.name;
  }
}

// Raised by argument checking: answered with -32602.
class ArgumentsError extends Error {}

function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isInteger(value) {
  return typeof value === 'bigint' || Number.isInteger(value);
}

function describeType(type) {
  let text = type.type;
  if (type.type === 'array') text = `array of ${describeType(type.items)}`;
  if (type.enum) text += ` (one of ${type.enum.map((v) => JSON.stringify(v)).join(', ')})`;
  if (type.nullable) text += ' or null';
  return text;
}

function matchesType(type, value) {
  if (value === null) return type.nullable === true || type.type === 'null';
  let ok;
  switch (type.type) {
    case 'string':
      ok = typeof value === 'string';
      break;
    case 'integer':
      ok = isInteger(value);
      break;
    case 'number':
      ok = typeof value === 'number' || typeof value === 'bigint';
      break;
    case 'boolean':
      ok = typeof value === 'boolean';
      break;
    case 'array':
      ok = Array.isArray(value) && value.every((item) => matchesType(type.items, item));
      break;
    default:
      ok = false;
  }
  if (ok && type.enum) ok = type.enum.some((allowed) => allowed == value); // 3 == 3n
  return ok;
}

// Checks a call's arguments against the command's params in the manifest,
// fills in defaults, and turns integers into JavaScript numbers.
function checkArguments(command, args) {
  if (!isPlainObject(args)) throw new ArgumentsError(`${command.name}: arguments must be an object`);
  const known = new Set(command.params.map((param) => param.name));
  for (const name of Object.keys(args)) {
    if (!known.has(name)) throw new ArgumentsError(`${command.name}: unknown argument '${name}'`);
  }
  const checked = {};
  for (const param of command.params) {
    if (!Object.hasOwn(args, param.name)) {
      if (param.required) {
        throw new ArgumentsError(`${command.name}: missing required argument '${param.name}'`);
      }
      checked[param.name] = param.default;
      continue;
    }
    const value = args[param.name];
    if (!matchesType(param.type, value)) {
      throw new ArgumentsError(
        `${command.name}: argument '${param.name}' must be ${describeType(param.type)}, ` +
          `got ${encodeJson(value).slice(0, 80)}`,
      );
    }
    checked[param.name] = typeof value === 'bigint' ? Number(value) : value;
  }
  return checked;
}

function errorData(error) {
  if (error instanceof Error) {
    return {
      type: error.constructor.name || error.name || 'Error',
      message: String(error.message),
      expected: error instanceof CommandError,
      traceback: String(error.stack || ''),
    };
  }
  return { type: typeof error, message: String(error), expected: false };
}

// The worker's state.
let initialized = false;
let debug = false;
const inflight = new Map(); // id -> token of a call not yet answered

function handleInitialize(id, params) {
  if (initialized) return replyError(id, INVALID_REQUEST, 'initialize was already answered');
  const offered = params.protocol_versions;
  if (!Array.isArray(offered) || !offered.every(isInteger)) {
    return replyError(id, INVALID_PARAMS, 'initialize: protocol_versions must be a list of integers');
  }
  const plugin = params.plugin;
  if (!isPlainObject(plugin) || typeof plugin.name !== 'string') {
    return replyError(id, INVALID_PARAMS, 'initialize: plugin.name must be a string');
  }
  const common = PROTOCOL_VERSIONS.filter((version) => offered.some((v) => v == version));
  if (common.length === 0) {
    return replyError(
      id,
      NO_COMMON_VERSION,
      `no common protocol version: the worker speaks ${PROTOCOL_VERSIONS.join(', ')}, ` +
        `the host offers ${offered.join(', ') || 'none'}`,
      { supported: PROTOCOL_VERSIONS, offered },
    );
  }
  if (plugin.name !== MANIFEST.name) {
    return replyError(
      id,
      CANNOT_LOAD,
      `this worker only runs the plugin '${MANIFEST.name}', not '${plugin.name}'`,
      {
        state: 'invalid',
        reason: `register this worker under the name '${MANIFEST.name}'`,
        problems: [`the host asked for plugin '${plugin.name}'`],
      },
    );
  }
  initialized = true;
  debug = params.debug === true;
  if (debug) log('debug', `initialized; settings: ${encodeJson(params.settings ?? null)}`);
  return reply(id, {
    protocol_version: Math.max(...common),
    manifest: MANIFEST,
    worker: { name: 'node-wordcount', version: MANIFEST.version, pid: process.pid },
  });
}

function handleCall(id, params) {
  if (!initialized) return replyError(id, INVALID_REQUEST, 'call before initialize');
  if (inflight.has(id)) return replyError(id, INVALID_REQUEST, `request id ${id} is already in use`);
  const name = params.command;
  const command = typeof name === 'string' ? COMMANDS.get(name) : undefined;
  if (command === undefined) {
    return replyError(id, INVALID_PARAMS, `no such command: ${encodeJson(name ?? null)}`);
  }
  let args;
  try {
    args = checkArguments(command.spec, params.arguments ?? {});
  } catch (error) {
    if (error instanceof ArgumentsError) return replyError(id, INVALID_PARAMS, error.message);
    throw error;
  }
  // Run the command on a later turn of the event loop, so that a cancel (or
  // a ping) read in the same chunk is handled first; a command may also
  // return a promise, and other requests are served while it is pending.
  const token = {};
  inflight.set(id, token);
  setImmediate(async () => {
    if (inflight.get(id) !== token) return; // cancelled before it started
    let outcome;
    try {
      outcome = { result: await command.run(args) };
    } catch (error) {
      outcome = { error: errorData(error) };
    }
    if (inflight.get(id) !== token) return; // cancelled while running
    inflight.delete(id);
    if (outcome.error) {
      replyError(id, COMMAND_RAISED, outcome.error.message, outcome.error);
    } else {
      reply(id, outcome.result === undefined ? null : outcome.result);
    }
  });
  return undefined;
}

function handleCancel(params) {
  const id = params.id;
  if (inflight.has(id)) {
    inflight.delete(id);
    replyError(id, CANCELLED, 'cancelled');
  }
}

function handleMessage(message) {
  if (!isPlainObject(message)) return replyError(null, INVALID_REQUEST, 'a message must be an object');
  const isRequest = Object.hasOwn(message, 'id');
  const id = isRequest && isInteger(message.id) ? message.id : null;
  if (isRequest && id === null) {
    return replyError(null, INVALID_REQUEST, 'a request id must be an integer');
  }
  const params = message.params ?? Object.create(null);
  if (message.jsonrpc !== '2.0' || typeof message.method !== 'string' || !isPlainObject(params)) {
    if (!isRequest) return undefined; // a broken notification cannot be answered
    return replyError(id, INVALID_REQUEST, 'not a JSON-RPC 2.0 request with a method and params');
  }
  if (debug) log('debug', `received ${message.method}${isRequest ? ` (id ${id})` : ''}`);

  if (!isRequest) {
    if (message.method === 'cancel') handleCancel(params);
    return undefined; // other notifications are ignored
  }
  switch (message.method) {
    case 'initialize':
      return handleInitialize(id, params);
    case 'call':
      return handleCall(id, params);
    case 'ping':
      return reply(id, {});
    case 'shutdown':
      reply(id, null);
      return process.exit(0);
    default:
      return replyError(id, METHOD_NOT_FOUND, `no such method: ${message.method}`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function handleLine(bytes) {
  let message;
  try {
    message = parseJson(utf8.decode(bytes));
  } catch (error) {
    if (error instanceof JsonError || error instanceof TypeError) {
      return replyError(null, PARSE_ERROR, `cannot parse the line: ${error.message}`);
    }
    throw error;
  }
  return handleMessage(message);
}

// Line framing: collect bytes up to each "\n"; a line longer than the limit
// is dropped without being kept in memory and answered with a parse error.
let pieces = [];
let pendingLength = 0;
let overlong = false;

function onData(chunk) {
  let start = 0;
  while (start < chunk.length) {
    const newline = chunk.indexOf(0x0a, start);
    const end = newline === -1 ? chunk.length : newline;
    if (!overlong) {
      if (pendingLength + (end - start) > MAX_MESSAGE) {
        overlong = true;
        pieces = [];
        pendingLength = 0;
      } else {
        pieces.push(chunk.subarray(start, end));
        pendingLength += end - start;
      }
    }
    if (newline === -1) return;
    if (overlong) {
      overlong = false;
      replyError(null, PARSE_ERROR, `a line longer than ${MAX_MESSAGE} bytes`);
    } else {
      const line = Buffer.concat(pieces, pendingLength);
      pieces = [];
      pendingLength = 0;
      handleLine(line);
    }
    start = newline + 1;
  }
}

function startReading() {
  let stream;
  try {
    const net = require('net');
    stream = new net.Socket({ fd: channel.input, readable: true, writable: false });
  } catch {
    // Not a pipe or a socket (a file, a terminal): read it as a file.
    stream = fs.createReadStream(null, { fd: channel.input, highWaterMark: 65536 });
  }
  stream.on('data', onData);
  // End of input: the host has gone (or is done): exit at once, abandoning
  // any call still running.
  stream.on('end', () => process.exit(0));
  stream.on('error', (error) => {
    log('error', `cannot read from the host: ${error.message}`);
    process.exit(1);
  });
}

// ---------------------------------------------------------------------------
// 3. The plugin: wordcount
// ---------------------------------------------------------------------------

// A word is a run of letters, digits and combining marks, which may contain
// single apostrophes or hyphens between such runs ("don't", "well-known").
const WORD = /[\p{L}\p{M}\p{N}]+(?:['\u2019-][\p{L}\p{M}\p{N}]+)*/gu;

function words(text) {
  return text.match(WORD) || [];
}

// Compares by Unicode code point, the same order as Python's str comparison.
function compareCodePoints(a, b) {
  const left = Array.from(a);
  const right = Array.from(b);
  for (let i = 0; i < Math.min(left.length, right.length); i += 1) {
    const difference = left[i].codePointAt(0) - right[i].codePointAt(0);
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

function count({ text }) {
  return words(text).length;
}

function top({ text, n }) {
  if (n < 1) throw new CommandError(`n must be at least 1, got ${n}`);
  const frequencies = new Map();
  for (const word of words(text)) {
    const key = word.toLowerCase();
    frequencies.set(key, (frequencies.get(key) || 0) + 1);
  }
  return [...frequencies]
    .sort((a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0]))
    .slice(0, n)
    .map(([word]) => word);
}

function stats({ text }) {
  let characters = 0;
  for (const _ of text) characters += 1; // code points, not UTF-16 units
  let lines = 0;
  if (text.length > 0) {
    lines = text.split(/\r\n|\r|\n/).length;
    if (/(\r\n|\r|\n)$/.test(text)) lines -= 1; // a final newline ends a line
  }
  return { words: words(text).length, lines, characters };
}

const TEXT_PARAM = {
  name: 'text',
  type: { type: 'string' },
  required: true,
  default: null,
  choices: null,
  help: 'the text to look at',
};

const MANIFEST = {
  manifest_version: 1,
  name: 'wordcount',
  distribution: null,
  version: '1.0.0',
  api_version: '1.0',
  summary: 'Count the words in a text.',
  description:
    'A plughost plugin written in JavaScript: it runs in Node.js as an isolated worker ' +
    'speaking protocol v1.',
  commands: [
    {
      name: 'count',
      help: 'Return the number of words in TEXT.',
      description: '',
      params: [TEXT_PARAM],
      returns: { type: 'integer' },
    },
    {
      name: 'top',
      help: 'Return the N most frequent words in TEXT, lowercased.',
      description: 'Words used equally often come in alphabetical order. N must be at least 1.',
      params: [
        TEXT_PARAM,
        {
          name: 'n',
          type: { type: 'integer' },
          required: false,
          default: 3,
          choices: null,
          help: 'how many words to return',
        },
      ],
      returns: { type: 'array', items: { type: 'string' } },
    },
    {
      name: 'stats',
      help: 'Return the number of words, lines and characters in TEXT.',
      description: 'Characters are Unicode code points; a final newline does not start a line.',
      params: [TEXT_PARAM],
      returns: { type: 'object', values: { type: 'integer' } },
    },
  ],
};

const COMMANDS = new Map([
  ['count', { spec: MANIFEST.commands[0], run: count }],
  ['top', { spec: MANIFEST.commands[1], run: top }],
  ['stats', { spec: MANIFEST.commands[2], run: stats }],
]);

startReading();
