using System.Net;
using Cpns.Cli.Demo;
using Cpns.Server.Tests.Infrastructure;
using Npgsql;

namespace Cpns.EndToEnd.Tests.Faults;

/// <summary>
/// The database unreachable for 30 s (issue 8, Faults). The server runs on PostgreSQL (CPNS_TEST_POSTGRES; skipped
/// without it) through a <see cref="TcpProxy"/> on loopback that the test closes and reopens: to the server this is
/// PostgreSQL stopped (connections refused, open ones reset), while the shared cluster and the tests running beside
/// this one are untouched, which stopping the cluster itself (pg_ctlcluster stop) would not allow.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class DatabaseOutageTests
{
    private const int GroupCount = 20;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task DatabaseUnreachableFor30Seconds_Answers503ProblemAndNotReady_ThenResumesWithNothingLost()
    {
        await using var database = PostgresDatabase.CreateOrSkip();
        var direct = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        var address = Dns.GetHostAddresses(direct.Host!).First(a => IPAddress.IsLoopback(a));
        await using var proxy = new TcpProxy(new IPEndPoint(address, direct.Port));
        var viaProxy = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port }.ConnectionString;

        var options = new DemoSystemOptions { DataDirectory = FaultBed.NewDataDirectory("db-outage"), Pns = 1, PnesPerPn = 2, Database = viaProxy, Timeout = TimeSpan.FromSeconds(120) };
        await using var bed = await FaultBed.StartAsync(options);
        await bed.CreateGroupsAsync(GroupCount, _ => bed.System.Pnes);
        var acknowledged = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var group in bed.Groups)
        {
            acknowledged[group.Id] = await bed.Api.RotateAsync(group.Id, FaultBed.Ct);
        }

        await bed.WaitForConvergenceAsync(TimeSpan.FromSeconds(90), acknowledged);
        Assert.Equal(200, (await bed.Rest.SendRawAsync(HttpMethod.Get, "/readyz", FaultBed.Ct)).Status);

        // The outage: every probe, for 30 s, must be refused with 503 and a problem body that names the database.
        var serverProcess = bed.System.Servers[0].Process;
        var mark = serverProcess.LineCount;
        await proxy.CloseAsync();
        bed.Log("database unreachable");
        var outageEnds = DateTime.UtcNow + Outage;
        var probes = 0;
        var target = bed.Groups[0].Id;
        while (DateTime.UtcNow < outageEnds)
        {
            var ready = await bed.Rest.SendRawAsync(HttpMethod.Get, "/readyz", FaultBed.Ct);
            Assert.Equal(503, ready.Status);
            Assert.Equal("application/problem+json", ready.MediaType);

            foreach (var (method, path) in new[] { (HttpMethod.Post, $"/groups/{target}/rotate"), (HttpMethod.Get, "/groups"), (HttpMethod.Post, $"/groups/{bed.Groups[1].Id}/rotate") })
            {
                var answer = await bed.Rest.SendRawAsync(method, path, FaultBed.Ct);
                Assert.True(answer.Status == 503, $"{method} {path} during the outage answered {answer.Status}: {answer.Detail}");
                Assert.Equal("application/problem+json", answer.MediaType);
                Assert.Contains("database", answer.Detail ?? string.Empty, StringComparison.OrdinalIgnoreCase);
            }

            probes++;
            await Task.Delay(TimeSpan.FromSeconds(2), FaultBed.Ct);
        }

        bed.Log($"{probes} rounds of probes answered 503 during the outage");

        // An outage is expected, not an internal error: the server says so in warning lines, never an error with a stack trace.
        var outageLines = serverProcess.Lines.Skip(mark).ToList();
        Assert.DoesNotContain(outageLines, l => l.StartsWith("fail:", StringComparison.Ordinal));
        Assert.Contains(outageLines, l => l.Contains("the database is unavailable", StringComparison.OrdinalIgnoreCase));
        proxy.Open();
        bed.Log("database reachable again");
        await Support.Eventually.TrueAsync(async () => (await bed.Rest.SendRawAsync(HttpMethod.Get, "/readyz", FaultBed.Ct)).Status == 200, "/readyz to report ready after the outage", 60);

        // Nothing was queued from the refused calls (no epoch issued by a 503) and nothing acknowledged was lost.
        var current = await bed.WaitForConvergenceAsync(TimeSpan.FromSeconds(90), acknowledged);
        foreach (var (groupId, epoch) in acknowledged)
        {
            Assert.Equal(epoch, current[groupId]);
        }

        await bed.AssertEpochHistoryAsync(current, acknowledged);

        // It resumes: new rotations are issued and delivered.
        var after = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var group in bed.Groups)
        {
            after[group.Id] = await bed.Api.RotateAsync(group.Id, FaultBed.Ct);
            Assert.Equal(acknowledged[group.Id] + 1, after[group.Id]);
        }

        current = await bed.WaitForConvergenceAsync(TimeSpan.FromSeconds(90), after);
        await bed.AssertEpochHistoryAsync(current, after);
    }
}
