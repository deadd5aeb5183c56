using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Cpns.Server.Keys;
using Cpns.Server.Rotation;
using Cpns.Server.Storage;
using Cpns.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Cpns.Server.Tests.Postgres;

/// <summary>Runs when CPNS_TEST_POSTGRES names a PostgreSQL (scripts/ci-postgres.sh); skipped otherwise.</summary>
public sealed class PostgresTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ApiSmoke_OnPostgres_FullLifecycle()
    {
        await using var database = PostgresDatabase.CreateOrSkip();
        await using var server = await TestServer.StartAsync(database: database.ConnectionString);
        await server.RegisterPneAsync("gw1", "watch");
        await server.RegisterPneAsync("gw2", "speaker");

        var id = (await server.CreateGroupAsync("pg group")).GetProperty("id").GetGuid();
        await server.AddMemberAsync(id, "gw1", "watch");
        await server.AddMemberAsync(id, "gw2", "speaker");
        var rotated = await (await server.Client.PostAsync($"/groups/{id}/rotate", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var left = await server.Client.DeleteAsync($"/groups/{id}/members/gw1:watch", Ct);
        var compromised = await server.Client.PostAsync($"/groups/{id}/members/gw2:speaker/compromise", null, Ct);
        var rejoin = await server.Client.PostAsJsonAsync($"/groups/{id}/members", new { gatewayId = "gw2", pneId = "speaker" }, Ct);
        var list = await server.Client.GetFromJsonAsync<JsonElement>("/groups", Ct);
        var deliveries = await server.Client.GetFromJsonAsync<JsonElement>($"/groups/{id}/deliveries", Ct);
        var deleted = await server.Client.DeleteAsync($"/groups/{id}", Ct);
        var audit = await server.Client.GetFromJsonAsync<JsonElement>($"/audit?groupId={id}", Ct);
        var anonymous = await server.CreateClient(null).GetAsync("/groups", Ct);
        var ready = await server.CreateClient(null).GetAsync("/readyz", Ct);

        Assert.Equal(2, rotated.GetProperty("epoch").GetInt64());
        Assert.Equal(HttpStatusCode.OK, left.StatusCode);
        Assert.Equal(HttpStatusCode.OK, compromised.StatusCode);
        await Problems.AssertProblemAsync(rejoin, HttpStatusCode.Conflict);
        Assert.Equal(1, list.GetArrayLength());
        Assert.Contains(deliveries.EnumerateArray(), d => d.GetProperty("epoch").GetInt64() == 4 && d.GetProperty("kind").GetString() == "Delete");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(
            ["group.created", "member.added", "member.added", "gk.rotated", "member.left", "member.compromised", "group.deleted"],
            audit.EnumerateArray().Select(a => a.GetProperty("action").GetString()!).ToArray());
        await Problems.AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task TwoInstances_ConcurrentRotationsOfSameGroups_EpochsUniqueAndGapFree()
    {
        await using var database = PostgresDatabase.CreateOrSkip();
        var masterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var a = await TestServer.StartAsync(database: database.ConnectionString, masterKey: masterKey);
        await using var b = await TestServer.StartAsync(database: database.ConnectionString, masterKey: masterKey, operatorKey: a.OperatorKey);
        const int Groups = 3;
        const int RotationsPerInstance = 10;
        var ids = new List<Guid>();
        for (var i = 0; i < Groups; i++)
        {
            ids.Add((await a.CreateGroupAsync("concurrent " + i)).GetProperty("id").GetGuid());
        }

        var requests = from id in ids
                       from server in new[] { a, b }
                       from n in Enumerable.Range(0, RotationsPerInstance)
                       select RotateAsync(server, id);
        var epochs = await Task.WhenAll(requests);

        foreach (var id in ids)
        {
            const long Expected = 1 + (2 * RotationsPerInstance);
            var current = (await b.Client.GetFromJsonAsync<JsonElement>($"/groups/{id}", Ct)).GetProperty("currentEpoch").GetInt64();
            Assert.Equal(Expected, current);

            var db = a.Service<CpnsDatabase>().CreateContext();
            await using (db)
            {
                var stored = await db.GroupKeys.Where(k => k.GroupId == id).OrderBy(k => k.Epoch).Select(k => k.Epoch).ToListAsync(Ct);
                Assert.Equal(Enumerable.Range(1, (int)Expected).Select(e => (long)e), stored);
                var audited = await db.Audit.Where(x => x.GroupId == id && x.Action == "gk.rotated").Select(x => x.Epoch!.Value).OrderBy(e => e).ToListAsync(Ct);
                Assert.Equal(Enumerable.Range(2, (int)Expected - 1).Select(e => (long)e), audited);
            }

            // Every epoch's key opens on the other instance (same master key) and no two epochs share a key.
            var keys = new HashSet<string>();
            for (long e = 1; e <= Expected; e++)
            {
                var key = new byte[32];
                Assert.True(await b.Service<GroupKeyService>().TryReadGroupKeyAsync(id, e, key, Ct));
                Assert.True(keys.Add(Convert.ToHexString(key)));
            }
        }

        // Each HTTP rotation got its own epoch: across all requests, per group, no epoch was answered twice.
        Assert.Equal(epochs.Length, epochs.Distinct().Count());
    }

    [Fact]
    public async Task TwoInstances_PeriodicRotationDueOnce_RunsOnce()
    {
        await using var database = PostgresDatabase.CreateOrSkip();
        var masterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

        // The background loops are idle (1 h period): the test drives the sweeps itself, all at once.
        void Configure(ServerOptions o) => o.RotationCheckInterval = TimeSpan.FromHours(1);
        await using var a = await TestServer.StartAsync(database: database.ConnectionString, masterKey: masterKey, configure: Configure);
        await using var b = await TestServer.StartAsync(database: database.ConnectionString, masterKey: masterKey, configure: Configure, operatorKey: a.OperatorKey);
        var due = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            due.Add((await a.CreateGroupAsync("periodic " + i, policy: new { rotationIntervalSeconds = 3600 })).GetProperty("id").GetGuid());
        }

        var notDue = (await a.CreateGroupAsync("later", policy: new { rotationIntervalSeconds = 3600 })).GetProperty("id").GetGuid();
        var db = a.Service<CpnsDatabase>().CreateContext();
        await using (db)
        {
            var past = DateTime.UtcNow.AddMinutes(-1);
            await db.Groups.Where(g => due.Contains(g.Id)).ExecuteUpdateAsync(s => s.SetProperty(g => g.NextRotationAt, past), Ct);
        }

        var sweeps = Enumerable.Range(0, 4).SelectMany(_ => new[]
        {
            Task.Run(() => a.Service<PeriodicRotationService>().RunOnceAsync(Ct), Ct),
            Task.Run(() => b.Service<PeriodicRotationService>().RunOnceAsync(Ct), Ct),
        });
        var rotated = (await Task.WhenAll(sweeps)).Sum();

        Assert.Equal(due.Count, rotated);
        foreach (var id in due)
        {
            var group = await a.Client.GetFromJsonAsync<JsonElement>($"/groups/{id}", Ct);
            Assert.Equal(2, group.GetProperty("currentEpoch").GetInt64());
            var audit = await a.Client.GetFromJsonAsync<JsonElement>($"/audit?groupId={id}", Ct);
            Assert.Single(audit.EnumerateArray(), x => x.GetProperty("detail").GetString() == "Periodic");
        }

        Assert.Equal(1, (await a.Client.GetFromJsonAsync<JsonElement>($"/groups/{notDue}", Ct)).GetProperty("currentEpoch").GetInt64());
        Assert.Equal(0, await a.Service<PeriodicRotationService>().RunOnceAsync(Ct));
    }

    private static async Task<(Guid, long)> RotateAsync(TestServer server, Guid id)
    {
        var response = await server.Client.PostAsync($"/groups/{id}/rotate", null, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (id, (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("epoch").GetInt64());
    }
}
