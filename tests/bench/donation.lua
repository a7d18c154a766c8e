-- wrk script for tests/bench/load.py: every request POSTs one donation to the JSON API.
--
-- Environment (set by load.py): QUY_LOAD_TOKEN (API token, required), QUY_LOAD_RUN (a run id that
-- makes every Idempotency-Key unique), QUY_LOAD_DONORS (how many distinct donor names; a name comes
-- back every so often, so donors are created first and reused after), QUY_LOAD_PATH, QUY_LOAD_BANK,
-- QUY_LOAD_FUNDS (comma-separated fund codes, taken in turn; default TOHIEU,KHT), and for donations spread over
-- several organizations QUY_LOAD_PATHS with QUY_LOAD_TOKENS (comma-separated, a token for each path, in turn).
-- Each thread counts what it sent and what came back by status; done() prints one line
-- "LOAD {json}" that load.py parses for the "every đồng accounted for" check.

local token = os.getenv("QUY_LOAD_TOKEN") or ""
local run = os.getenv("QUY_LOAD_RUN") or "run"
local donors = tonumber(os.getenv("QUY_LOAD_DONORS") or "5000")
local function list(text)
  local out = {}
  for item in string.gmatch(text or "", "[^,]+") do
    table.insert(out, item)
  end
  return out
end
local paths = list(os.getenv("QUY_LOAD_PATHS") or os.getenv("QUY_LOAD_PATH") or "/api/v1/organizations/SLA/donations")
local tokens = list(os.getenv("QUY_LOAD_TOKENS") or token)
local funds = list(os.getenv("QUY_LOAD_FUNDS") or "TOHIEU,KHT")
local kinds = { "cash", "cash", "transfer" }
-- the demo province has two banks: a transfer names its own (QUY_LOAD_BANK: "null" where there is one bank)
local banks = { "null", "null", os.getenv("QUY_LOAD_BANK") or '"1121.AGR"' }
local threads = {}
local nthreads = 0

function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
  table.insert(threads, thread)
end

function init(args)
  sent, created, other, amount = 0, 0, 0, 0
  statuses = {}
  headers = {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
  }
end

function request()
  sent = sent + 1
  local n = sent
  -- a name per (thread, counter), wrapping at `donors`: first sight creates the donor, later ones reuse it
  local donor = (n * 7 + tid * 7919) % donors
  local amt = 50000 + ((n * 7919 + tid * 104729) % 1900) * 500
  local day = 1 + (n % 28)
  local month = 1 + (n % 12)
  local at = 1 + ((n + tid) % #paths)  -- the organization this request goes to, in turn
  headers["Authorization"] = "Bearer " .. tokens[at]
  headers["Idempotency-Key"] = string.format("load-%s-%d-%d", run, tid, n)
  local body = string.format(
    '{"fund": "%s", "amount": %d, "date": "2025-%02d-%02d", "kind": "%s", "bank_account": %s, '
      .. '"donor": {"name": "Nhà hảo tâm %d"}, "reference": "load-%s-%d-%d"}',
    funds[1 + (n % #funds)], amt, month, day, kinds[1 + (n % 3)], banks[1 + (n % 3)], donor, run, tid, n)
  return wrk.format("POST", paths[at], headers, body)
end

function response(status, hdrs, body)
  if status == 201 then
    created = created + 1
  else
    other = other + 1
    statuses[status] = (statuses[status] or 0) + 1
    if other <= 3 then
      io.stderr:write(string.format("HTTP %d: %s\n", status, string.sub(body or "", 1, 300)))
    end
  end
end

function done(summary, latency, requests)
  local s, c, o = 0, 0, 0
  local by = {}
  for _, t in ipairs(threads) do
    s = s + t:get("sent")
    c = c + t:get("created")
    o = o + t:get("other")
    local st = t:get("statuses")
    for k, v in pairs(st) do
      by[tostring(k)] = (by[tostring(k)] or 0) + v
    end
  end
  local parts = {}
  for k, v in pairs(by) do
    table.insert(parts, string.format('"%s": %d', k, v))
  end
  io.write(string.format(
    'LOAD {"sent": %d, "created": %d, "other": %d, "other_statuses": {%s}, "p50_us": %d, '
      .. '"p90_us": %d, "p99_us": %d, "max_us": %d, "requests": %d, "duration_us": %d, '
      .. '"errors_connect": %d, "errors_read": %d, "errors_write": %d, "errors_status": %d, '
      .. '"errors_timeout": %d}\n',
    s, c, o, table.concat(parts, ", "),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout))
end
