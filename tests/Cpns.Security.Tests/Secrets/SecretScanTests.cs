using System.Security.Cryptography;
using Cpns.Crypto;
using Cpns.Device.Client;
using Cpns.Device.Storage;
using Cpns.Gateway;
using Cpns.Gateway.Storage;
using Cpns.Security.Tests.Support;
using Cpns.Server.Keys;
using Cpns.Server.Storage;

namespace Cpns.Security.Tests.Secrets;

/// <summary>
/// No secret in any log line, exception text or database column in clear: a full story on two PNs with every log at
/// Debug captured, every key that was made collected through the stores' own code, then every log line, every column
/// of every table of the server's and each gateway's SQLite database, and the raw bytes of every file the parts wrote
/// (except the key files whose job is to hold a key) scanned for each key in raw, hex and base64 forms.
/// </summary>
public sealed class SecretScanTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FullStory_EveryKeyMade_InNoLogLineNoDatabaseColumnNoDataFile()
    {
        await using var bed = await SecurityBed.StartAsync();
        var scanner = new SecretScanner();
        var one = await bed.GatewayAsync("gw-one", "one-a", "one-b");
        var two = await bed.GatewayAsync("gw-two", "two-a", "two-b");

        var group = await bed.CreateGroupAsync((one, "one-a"), (one, "one-b"), (two, "two-a"), (two, "two-b"));
        var epochs = new List<long> { 1 };
        await CollectDeviceKeysAsync(bed, scanner);

        // Leave, compromise, rotate: each a new epoch every remaining member receives.
        epochs.Add(await bed.RemoveMemberAsync(group, one, "one-b"));
        epochs.Add(await bed.CompromiseAsync(group, two, "two-b"));
        epochs.Add(await bed.RotateAsync(group));
        await Eventually.TrueAsync(async () => await one.EpochAsync("one-a", group) == (ulong)epochs[^1] && await two.EpochAsync("two-a", group) == (ulong)epochs[^1], "the members to hold the last epoch");
        await CollectDeviceKeysAsync(bed, scanner);
        foreach (var epoch in epochs)
        {
            var key = new byte[GroupKeyService.KeySize];
            Assert.True(await bed.Service<GroupKeyService>().TryReadGroupKeyAsync(Guid.Parse(group), epoch, key, Ct));
            scanner.Add($"GK epoch {epoch} (server)", key);
        }

        // Group messages across the two PNs.
        await one.Devices["one-a"].SendAsync(group, "across the PNs"u8.ToArray(), Ct);
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            wait.CancelAfter(TimeSpan.FromSeconds(30));
            await using var reader = two.Devices["two-a"].ReadMessagesAsync(wait.Token).GetAsyncEnumerator(wait.Token);
            Assert.True(await reader.MoveNextAsync());
        }

        // Delete: every device deletes the key.
        await bed.DeleteGroupAsync(group);
        await Eventually.TrueAsync(async () => await one.EpochAsync("one-a", group) == 0 && await two.EpochAsync("two-a", group) == 0, "the members to delete the key");

        // The keys of the gateways and the server.
        foreach (var node in bed.Nodes)
        {
            var gatewayKey = new byte[WrappingKey.KeySize];
            node.Host.Store.GatewayKey!.Export(gatewayKey);
            scanner.Add($"per-gateway key {node.GatewayId}", gatewayKey);
            var material = await node.Host.Store.RunAsync(db => node.Host.Store.GetKeyMaterialAsync(db, Ct), Ct);
            Assert.NotNull(material);
            scanner.Add($"key material set root {node.GatewayId}", material.Export().AsSpan(4));
            material.Dispose();
            using (var master = MasterKeyFile.LoadOrCreate(node.GatewayDirectory, out var created))
            {
                Assert.False(created);
                var bytes = new byte[WrappingKey.KeySize];
                master.Export(bytes);
                scanner.Add($"gateway master key {node.GatewayId}", bytes);
            }

            foreach (var (pneId, code) in node.Devices.Keys.Zip(node.PairingCodes))
            {
                scanner.Add($"pairing code {pneId}", code);
            }
        }

        scanner.Add("server master key", Convert.FromBase64String(bed.Options.MasterKey!));
        scanner.Add("server master key (text)", bed.Options.MasterKey!);
        scanner.Add("operator API key", bed.OperatorApiKey);
        foreach (var token in bed.Tokens)
        {
            scanner.Add("enrollment token", token);
        }

        var devices = bed.Nodes.SelectMany(n => n.Devices.Values.Select(d => (n, d))).ToList();
        foreach (var (node, device) in devices)
        {
            using var deviceKey = DeviceKey.LoadFile(Path.Combine(node.DeviceOptions(device.PneId).DataDirectory, DeviceClient.KeyFileName));
            scanner.Add($"device key {device.PneId}", deviceKey.KeyBytes);
        }

        // Stop everything so that every database and file is complete on disk, then scan.
        await bed.StopAllAsync();
        var found = new List<string>();
        foreach (var line in bed.Logs.Lines)
        {
            found.AddRange(scanner.Find(line.Text, $"log {line.Category}[{line.EventId}]"));
        }

        found.AddRange(scanner.FindInSqlite(Path.Combine(bed.ServerDirectory, CpnsDatabase.SqliteFileName)));
        foreach (var node in bed.Nodes.Count > 0 ? bed.Nodes : [one, two])
        {
            found.AddRange(scanner.FindInSqlite(Path.Combine(node.GatewayDirectory, GatewayStore.DatabaseFileName)));
        }

        // Key files hold a key by design (docs/security.md); every other file the parts wrote is scanned.
        string[] keyFiles = [MasterKeyFile.FileName, DeviceClient.KeyFileName];
        var files = Directory.EnumerateFiles(bed.RootDirectory, "*", SearchOption.AllDirectories).Where(f => !keyFiles.Contains(Path.GetFileName(f))).ToList();
        foreach (var file in files)
        {
            found.AddRange(scanner.Find(SecretScanner.ReadShared(file), Path.GetRelativePath(bed.RootDirectory, file)));
        }

        // The scan saw real data: keys of every kind, thousands of log lines, the databases' cells.
        Assert.True(scanner.Count >= 30, $"{scanner.Count} secrets collected");
        Assert.True(bed.Logs.Lines.Count > 200, $"{bed.Logs.Lines.Count} log lines");
        Assert.Contains(bed.Logs.Lines, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Debug);
        Assert.True(scanner.CellsScanned > 100, $"{scanner.CellsScanned} cells");
        Assert.Contains(files, f => f.EndsWith(DeviceClient.StoreFileName, StringComparison.Ordinal));
        Assert.Empty(found.Distinct());
    }

    /// <summary>Every device's GKDK, EU-Key and the GKs it holds now (read through the store's own code).</summary>
    private static async Task CollectDeviceKeysAsync(SecurityBed bed, SecretScanner scanner)
    {
        foreach (var node in bed.Nodes)
        {
            foreach (var device in node.Devices.Values)
            {
                var secrets = await DeviceSecrets.ReadAsync(device);
                scanner.Add($"EU-Key {device.PneId}", secrets.EuKey);
                if (secrets.Gkdk.Length > 0)
                {
                    // Each label of the GKDK (the export is a 9-byte header then 32-byte labels).
                    for (var offset = secrets.Gkdk.Length % 32 == 9 ? 9 : secrets.Gkdk.Length % 32; offset + 32 <= secrets.Gkdk.Length; offset += 32)
                    {
                        scanner.Add($"GKDK label {device.PneId}@{offset}", secrets.Gkdk.AsSpan(offset, 32));
                    }
                }

                foreach (var key in secrets.GroupKeys)
                {
                    scanner.Add($"GK held by {device.PneId}", key);
                }

                CryptographicOperations.ZeroMemory(secrets.EuKey);
            }
        }
    }
}
