-- wrk script: POST a walk-in intake to /api/v1/requests with a bearer token (env TOKEN).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.body = '{"channel":"walk_in","type":"complaint","subject":"路灯不亮","content":"德馨苑6号楼前的路灯坏了快一个星期了，晚上很黑，老人出门不方便。","requester":{"name":"测试居民","phone":"13800001111"},"jurisdiction":"DXY-G03"}'

local statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  io.write(string.format("p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
