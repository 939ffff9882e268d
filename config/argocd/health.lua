-- Argo CD health check for Ordinal's MySQLCluster (mysql.ordinal.dev/v1alpha1).
-- Install it in argocd-cm as resource.customizations.health.mysql.ordinal.dev_MySQLCluster
-- (docs/gitops.md). It reads only the status the operator writes, which follows kstatus:
-- status.observedGeneration and the conditions Ready, Stalled and Degraded. The mapping and
-- why each reason lands where it does are in docs/gitops.md. Argo CD runs argocd-cm scripts
-- without Lua's string library, so this uses only the base and table libraries.

-- Ready=False reasons that mean the database is broken now, not on its way somewhere: the
-- primary takes writes it cannot commit. (SemiSyncNotActive is not one: it is also the state of
-- every new cluster until its first replica connects; when it stops writes on a cluster that
-- holds data, the operator's heartbeat write fails and the reason becomes PrimaryCannotCommit.)
local brokenReady = { PrimaryCannotCommit = true }
-- Degraded=True reasons that mean no primary serves or a member diverged. Other Degraded
-- reasons (a member restarting, catching up) are the operator's work in progress.
local brokenDegraded = { PrimaryUnreachable = true, PrimaryCannotCommit = true, ErrantTransactions = true }

local function condition(conditions, type)
  for _, c in ipairs(conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

-- describe is the condition's reason and message, what Argo CD shows next to the health.
local function describe(c)
  local reason = c.reason or "Unknown"
  if c.message ~= nil and c.message ~= "" then
    return reason .. ": " .. c.message
  end
  return reason
end

local function health(obj)
  local status = obj.status
  if status == nil or status.conditions == nil then
    return { status = "Progressing", message = "Waiting for the operator to report status" }
  end
  local generation = obj.metadata.generation
  if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
    return { status = "Progressing", message = "Waiting for the operator to observe generation " .. generation }
  end
  local stalled = condition(status.conditions, "Stalled")
  if stalled ~= nil and stalled.status == "True" then
    return { status = "Degraded", message = describe(stalled) }
  end
  local ready = condition(status.conditions, "Ready")
  if ready == nil or ready.status == "Unknown" then
    return { status = "Progressing", message = "Waiting for the Ready condition" }
  end
  if ready.status == "True" then
    return { status = "Healthy", message = describe(ready) }
  end
  if brokenReady[ready.reason] then
    return { status = "Degraded", message = describe(ready) }
  end
  local degraded = condition(status.conditions, "Degraded")
  if degraded ~= nil and degraded.status == "True" and brokenDegraded[degraded.reason] then
    return { status = "Degraded", message = describe(degraded) }
  end
  return { status = "Progressing", message = describe(ready) }
end

return health(obj)
