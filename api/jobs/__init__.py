"""Durable asynchronous jobs: the store (:mod:`.store`), the worker process
(:mod:`.worker`) and the service that ties them to the HTTP layer (:mod:`.service`)."""
