using System.Security.Cryptography;
using Cpns.Server.Tests.Infrastructure;
using Cpns.Server.Tests.Support;

namespace Cpns.Server.Tests.Postgres;

/// <summary>Two server instances on one PostgreSQL and one Mosquitto: each pending delivery is sent once per attempt.</summary>
public sealed class PostgresDeliveryTests
{
    // Long enough that an acknowledged row is never re-sent in this test: every send seen is a first attempt.
    private static void SlowRetry(ServerOptions options) => options.DeliveryRetryDelay = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task TwoInstances_SharedDatabaseAndBroker_EachRowSentOncePerAttempt()
    {
        await using var database = PostgresDatabase.CreateOrSkip();
        if (Mosquitto.FindExecutable() is null)
        {
            Assert.Skip("mosquitto is not installed (.ci/run installs it).");
        }

        var masterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var mosquitto = await Mosquitto.StartAsync(new ServerOptions { DataDirectory = TestServer.NewPath(), Database = database.ConnectionString, MasterKey = masterKey });
        await using var a = await DeliveryTestBed.StartAsync(BrokerKind.Mosquitto, database: database.ConnectionString, masterKey: masterKey, sharedMosquitto: mosquitto, configure: SlowRetry);
        await using var b = await DeliveryTestBed.StartAsync(BrokerKind.Mosquitto, database: database.ConnectionString, masterKey: masterKey, sharedMosquitto: mosquitto, operatorKey: a.Server.OperatorKey, configure: SlowRetry);
        var gw1 = await a.GatewayAsync("gw-p1", "watch");
        var gw2 = await b.GatewayAsync("gw-p2", "phone");

        // Groups created and rotated through both instances at once; both dispatchers poll the same outbox.
        var groups = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => (i % 2 == 0 ? a : b).CreateGroupAsync(("gw-p1", "watch"), ("gw-p2", "phone"))));
        await Task.WhenAll(groups.Select(g => (g.GetHashCode() % 2 == 0 ? b : a).RotateAsync(g)));

        var expected = new List<(Guid Group, long Epoch, string Gateway)>();
        foreach (var group in groups)
        {
            foreach (var row in await a.DeliveriesAsync(group))
            {
                if (row.GetProperty("status").GetString() != "Superseded")
                {
                    expected.Add((group, row.GetProperty("epoch").GetInt64(), row.GetProperty("gatewayId").GetString()!));
                }
            }
        }

        foreach (var (group, epoch, gateway) in expected)
        {
            await a.WaitForStatusAsync(group, epoch, gateway, "Acknowledged");
        }

        foreach (var (group, epoch, gateway) in expected)
        {
            var row = await b.DeliveryAsync(group, epoch, gateway);
            var received = (gateway == "gw-p1" ? gw1 : gw2).Notifications.Count(n => n.GroupId == group.ToString() && (long)n.Epoch == epoch);
            Assert.Equal(row.GetProperty("attempts").GetInt32(), received);
            Assert.Equal(1, received);
        }
    }
}
