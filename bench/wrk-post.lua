-- The body and headers a bench delivery carries, so wrk measures the same request Hookline sends.
wrk.method = "POST"
wrk.body = '{"event":"bench","run":"1000001","call_disposition":""}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Dograh-Delivery-Id"] = "6f1c1d7e-8a4b-4a53-9a0e-2c6f1b9f6d10"
wrk.headers["X-Dograh-Workflow-Run-Id"] = "1000001"
wrk.headers["X-Dograh-Delivery-Attempt"] = "1"
