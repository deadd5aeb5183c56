using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Cpns.Cli.Control;
using Cpns.Cli.Demo;
using Cpns.Crypto;
using Cpns.Device.Client;
using Cpns.Device.Storage;
using Cpns.Gateway;
using Cpns.Gateway.ServerLink;
using Cpns.Gateway.Storage;
using Cpns.EndToEnd.Tests.Support;
using Cpns.Security.Tests.Support;
using Cpns.Server;
using Cpns.Server.Secrets;
using Cpns.Server.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cpns.Security.Tests.Secrets;

/// <summary>
/// Issue #8 over real processes: a full <c>cpns demo --device-processes</c> run (a server, two gateways, six device
/// processes, each its own OS process with its complete output in DIR/logs), every key that run made collected
/// through the parts' own code, then every log line, every cell of every table of the server's and each gateway's
/// SQLite database, and the raw bytes of every other file the run left scanned for each key in raw, hex and base64
/// forms (<see cref="SecretScanner"/>, whose own planted-key tests in <see cref="SecretScannerTests"/> prove it finds them).
/// </summary>
public sealed class DemoRunSecretScanTests
{
    private const int Pns = 2;
    private const int PnesPerPn = 3;

    // Printed once to the server's stdout on purpose, so that the operator can store it (docs/operations.md).
    private const string OperatorKeyBanner = "CPNS operator API key (shown once, store it now): ";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DemoRun_EveryKeyMade_InNoLogLineNoDatabaseCellNoDataFile()
    {
        using var root = new TestDirectory();
        var data = Path.Combine(root.Path, "demo");
        var server = Path.Combine(data, "server");
        var scanner = new SecretScanner();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        void Add(string kind, string label, ReadOnlySpan<byte> secret)
        {
            scanner.Add(label, secret);
            counts[kind] = counts.GetValueOrDefault(kind) + 1;
        }

        // Every GK epoch the server sealed. Deleting the group removes its GK rows, so they are read while the demo
        // runs (every epoch lives seconds: --rotate-every 3); the deletion epoch's row is added and removed in one
        // transaction, so it is never visible and not collected.
        var groupKeys = new Dictionary<(Guid Group, long Epoch), byte[]>();
        using var runEnded = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var poll = PollGroupKeysAsync(server, groupKeys, runEnded.Token);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int exit;
        string output;
        try
        {
            (exit, output) = await CpnsProcess.RunAsync(
                Path.Combine(root.Path, "demo-run.log"),
                ["demo", "--data", data, "--pns", $"{Pns}", "--pnes-per-pn", $"{PnesPerPn}", "--groups", "1", "--rotate-every", "3", "--json", "--device-processes"],
                TimeSpan.FromMinutes(5),
                Ct);
        }
        finally
        {
            await runEnded.CancelAsync();
            await poll;
        }

        var runTime = clock.Elapsed;
        Assert.True(exit == 0, $"cpns demo exited with {exit}:\n{output}");
        var summary = Summary(output);
        Assert.True(summary.GetProperty("passed").GetBoolean(), output);

        // What is left in the server database after the run (nothing of the deleted group; any other group's keys).
        await ReadGroupKeysAsync(server, groupKeys, Ct);
        // Every epoch but the last (the deletion's) of every group the demo made was read, none missed between polls.
        foreach (var group in summary.GetProperty("groups").EnumerateArray())
        {
            var id = Guid.Parse(group.GetProperty("id").GetString()!);
            var final = group.GetProperty("finalEpoch").GetInt64();
            Assert.Equal(Enumerable.Range(1, (int)final - 1).Select(e => (long)e), groupKeys.Keys.Where(k => k.Group == id).Select(k => k.Epoch).Order());
        }

        foreach (var ((group, epoch), key) in groupKeys)
        {
            Add("GK epoch", $"GK {group} epoch {epoch} (server)", key);
        }

        // The server: its master key (master.key: the demo sets no CPNS_MASTER_KEY), the password of its CA's key,
        // and every per-gateway key it sealed.
        var serverOptions = new ServerOptions { DataDirectory = server };
        Assert.True(File.Exists(Path.Combine(server, MasterKey.FileName)));
        using (var masterKey = MasterKey.Load(serverOptions, _ => null))
        {
            Add("server master key", "server master key", masterKey.Key);
            var protector = new SecretProtector(masterKey);
            scanner.Add("server CA key password", protector.DerivePassword("cpns/ca-key/v1"u8));
            counts["server CA key password"] = 1;
            using var database = new CpnsDatabase(Microsoft.Extensions.Options.Options.Create(serverOptions), NullLogger<CpnsDatabase>.Instance);
            var db = database.CreateContext();
            await using (db)
            {
                var gateways = await db.Gateways.AsNoTracking().Where(g => g.SealedKey != null).Select(g => new { g.Id, g.SealedKey }).ToListAsync(Ct);
                foreach (var gateway in gateways)
                {
                    var key = new byte[WrappingKey.KeySize];
                    Assert.True(protector.TryOpenGatewayKey(gateway.Id, gateway.SealedKey, key), $"the sealed key of {gateway.Id} opens");
                    Add("per-gateway key (server)", $"per-gateway key {gateway.Id} (server)", key);
                }
            }
        }

        // The operator API key is in server.log's banner line (the one line that holds it by design, excluded below).
        var serverLog = await File.ReadAllLinesAsync(Path.Combine(data, "logs", "server.log"), Ct);
        var bannerLine = Assert.Single(Enumerable.Range(0, serverLog.Length), i => serverLog[i].StartsWith(OperatorKeyBanner, StringComparison.Ordinal));
        scanner.Add("operator API key", serverLog[bannerLine][OperatorKeyBanner.Length..].Trim());
        counts["operator API key"] = 1;

        // Enrollment tokens and pairing codes are one-time secrets the demo passes from the REST API or a control
        // socket straight to the child's command line; neither is printed nor stored in clear (the server keeps a
        // token's hash), so they cannot be recovered after the run and are not scanned for.

        // Each gateway, through its store: the per-gateway key, the key material set, the EU-Key of every PNE, its
        // master key gateway.key, and the private key of its server-link client certificate.
        foreach (var directory in Directory.GetDirectories(data, "gw-*"))
        {
            var gatewayId = Path.GetFileName(directory);
            await using var store = await GatewayStore.OpenAsync(new GatewayOptions { DataDirectory = directory }, cancellationToken: Ct);
            var gatewayKey = new byte[WrappingKey.KeySize];
            store.GatewayKey!.Export(gatewayKey);
            Add("per-gateway key (gateway)", $"per-gateway key {gatewayId} (gateway)", gatewayKey);
            using (var material = await store.RunAsync(db => store.GetKeyMaterialAsync(db, Ct), Ct))
            {
                Assert.NotNull(material);
                Add("key material set", $"key material set root {gatewayId}", material.Export().AsSpan(4));
            }

            var pnes = await store.RunAsync(db => db.Pnes.AsNoTracking().Select(p => new { p.PneId, p.EuKeySealed }).ToListAsync(Ct), Ct);
            foreach (var pne in pnes)
            {
                using var euKey = store.Sealer.OpenWrappingKey(pne.EuKeySealed, SecretSealer.EuKeyKind, pne.PneId);
                var bytes = new byte[WrappingKey.KeySize];
                euKey.Export(bytes);
                Add("EU-Key (gateway)", $"EU-Key {pne.PneId} (gateway {gatewayId})", bytes);
            }

            using (var master = MasterKeyFile.LoadOrCreate(directory, out var created))
            {
                Assert.False(created);
                var bytes = new byte[WrappingKey.KeySize];
                master.Export(bytes);
                Add("gateway master key", $"gateway master key {gatewayId}", bytes);
            }

            using var credentials = ServerCredentials.Load(store, directory);
            Assert.NotNull(credentials);
            using var linkKey = credentials.Certificate.GetECDsaPrivateKey();
            Assert.NotNull(linkKey);
            Add("server-link private key", $"server-link private key {gatewayId}", linkKey.ExportParameters(includePrivateParameters: true).D);
        }

        // Each device, through its own key and store: the device key, the EU-Key, every GKDK label, the private key
        // of its PN client certificate, and any GK it still holds.
        foreach (var directory in Directory.GetDirectories(Path.Combine(data, "devices")))
        {
            var pneId = Path.GetFileName(directory);
            using var deviceKey = DeviceKey.LoadFile(Path.Combine(directory, DeviceClient.KeyFileName));
            Add("device key", $"device key {pneId}", deviceKey.KeyBytes);
            using var store = await DeviceKeyStore.OpenAsync(Path.Combine(directory, DeviceClient.StoreFileName), deviceKey, pneId, cancellationToken: Ct);
            var secrets = await DeviceSecrets.ReadAsync(pneId, store);
            Add("EU-Key (device)", $"EU-Key {pneId} (device)", secrets.EuKey);
            for (var offset = secrets.Gkdk.Length % 32 == 9 ? 9 : secrets.Gkdk.Length % 32; offset + 32 <= secrets.Gkdk.Length; offset += 32)
            {
                Add("GKDK label", $"GKDK label {pneId}@{offset}", secrets.Gkdk.AsSpan(offset, 32));
            }

            foreach (var key in secrets.GroupKeys)
            {
                Add("GK held by a device", $"GK held by {pneId}", key);
            }

            using var clientKey = ECDsa.Create();
            clientKey.ImportPkcs8PrivateKey(secrets.ClientKey, out _);
            Add("device client private key", $"PN client private key {pneId}", clientKey.ExportParameters(includePrivateParameters: true).D);
            CryptographicOperations.ZeroMemory(secrets.EuKey);
        }

        // The scan. Logs line by line: every process's complete stdout and stderr, and the demo's own output.
        SqliteConnection.ClearAllPools();
        var found = new List<string>();
        var logLines = 0;
        var logFiles = Directory.GetFiles(Path.Combine(data, "logs"), "*.log").Append(Path.Combine(root.Path, "demo-run.log")).ToList();
        foreach (var log in logFiles)
        {
            var lines = await File.ReadAllLinesAsync(log, Ct);
            for (var i = 0; i < lines.Length; i++)
            {
                // The one line excluded: the operator key banner of server.log, printed on purpose (see above).
                if (Path.GetFileName(log) == "server.log" && Path.GetDirectoryName(log) == Path.Combine(data, "logs") && i == bannerLine)
                {
                    continue;
                }

                logLines++;
                found.AddRange(scanner.Find(lines[i], $"{Path.GetRelativePath(root.Path, log)}:{i + 1}"));
            }
        }

        found.AddRange(scanner.FindInSqlite(Path.Combine(server, CpnsDatabase.SqliteFileName)));
        foreach (var directory in Directory.GetDirectories(data, "gw-*"))
        {
            found.AddRange(scanner.FindInSqlite(Path.Combine(directory, GatewayStore.DatabaseFileName)));
        }

        // Key files hold a key by design (docs/security.md), as in SecretScanTests; logs were scanned line by line;
        // a control socket left behind is not a file to read. Every other file (sealed files, encrypted PEMs, device
        // stores, retained broadcasts, certificates, databases with their WAL) is scanned as raw bytes.
        string[] keyFiles = [MasterKey.FileName, MasterKeyFile.FileName, DeviceClient.KeyFileName, ControlChannel.SocketFileName];
        var files = Directory.EnumerateFiles(root.Path, "*", SearchOption.AllDirectories)
            .Where(f => !keyFiles.Contains(Path.GetFileName(f)) && !logFiles.Contains(f))
            .ToList();
        foreach (var file in files)
        {
            found.AddRange(scanner.Find(SecretScanner.ReadShared(file), Path.GetRelativePath(root.Path, file)));
        }

        // The scan sees this run's own secrets where they are by design: the banner line, and each key file.
        Assert.Contains(scanner.Find(serverLog[bannerLine], "banner"), f => f.StartsWith("operator API key (text)", StringComparison.Ordinal));
        Assert.Contains(scanner.Find(SecretScanner.ReadShared(Path.Combine(server, MasterKey.FileName)), "master.key"), f => f.StartsWith("server master key (raw)", StringComparison.Ordinal));
        foreach (var directory in Directory.GetDirectories(Path.Combine(data, "devices")))
        {
            var pneId = Path.GetFileName(directory);
            Assert.Contains(scanner.Find(SecretScanner.ReadShared(Path.Combine(directory, DeviceClient.KeyFileName)), "device.key"), f => f.StartsWith($"device key {pneId} (raw)", StringComparison.Ordinal));
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"demo run {runTime.TotalSeconds:F0} s; {scanner.Count} secrets: {string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Value} {c.Key}"))}; "
            + $"scanned {logLines} log lines in {logFiles.Count} files, {scanner.CellsScanned} database cells, {files.Count} files");

        // The run made what it must have made, so that an empty collection cannot pass.
        const int devices = Pns * PnesPerPn;
        Assert.Equal(devices, counts.GetValueOrDefault("device key"));
        Assert.Equal(devices, counts.GetValueOrDefault("EU-Key (device)"));
        Assert.Equal(devices, counts.GetValueOrDefault("EU-Key (gateway)"));
        Assert.Equal(devices, counts.GetValueOrDefault("device client private key"));
        Assert.True(counts.GetValueOrDefault("GKDK label") >= devices, $"{counts.GetValueOrDefault("GKDK label")} GKDK labels");
        Assert.Equal(Pns, counts.GetValueOrDefault("per-gateway key (server)"));
        Assert.Equal(Pns, counts.GetValueOrDefault("per-gateway key (gateway)"));
        Assert.Equal(Pns, counts.GetValueOrDefault("key material set"));
        Assert.Equal(Pns, counts.GetValueOrDefault("gateway master key"));
        Assert.Equal(Pns, counts.GetValueOrDefault("server-link private key"));
        Assert.True(counts.GetValueOrDefault("GK epoch") >= 4, $"{counts.GetValueOrDefault("GK epoch")} GK epochs");
        Assert.True(logFiles.Count >= 1 + Pns + devices, $"{logFiles.Count} log files");
        Assert.True(logLines > 200, $"{logLines} log lines");
        Assert.True(scanner.CellsScanned > 100, $"{scanner.CellsScanned} cells");
        Assert.Equal(devices, files.Count(f => Path.GetFileName(f) == DeviceClient.StoreFileName));
        Assert.Empty(found.Distinct());
    }

    /// <summary>The JSON summary <c>cpns demo --json</c> prints: from its first line <c>{</c> to its last line <c>}</c>.</summary>
    private static JsonElement Summary(string output)
    {
        var lines = output.Split('\n');
        var first = Array.IndexOf(lines, "{");
        var last = Array.LastIndexOf(lines, "}");
        Assert.True(first >= 0 && last > first, $"no JSON summary in:\n{output}");
        using var document = JsonDocument.Parse(string.Join('\n', lines[first..(last + 1)]));
        return document.RootElement.Clone();
    }

    private static async Task PollGroupKeysAsync(string server, Dictionary<(Guid, long), byte[]> keys, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await ReadGroupKeysAsync(server, keys, cancellationToken);
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is SqliteException or InvalidOperationException or IOException)
            {
                // Not there yet (the server creates master.key and migrates the database as it starts), or busy.
                await Task.Delay(TimeSpan.FromMilliseconds(200), CancellationToken.None);
            }
        }
    }

    /// <summary>Opens every GK row of the server's database with the server's own <see cref="SecretProtector"/>.</summary>
    private static async Task ReadGroupKeysAsync(string server, Dictionary<(Guid, long), byte[]> keys, CancellationToken cancellationToken)
    {
        var keyFile = Path.Combine(server, MasterKey.FileName);

        // Only once the server wrote it: MasterKey.Load would create a missing key file.
        if (!File.Exists(keyFile) || new FileInfo(keyFile).Length != MasterKey.Length || !File.Exists(Path.Combine(server, CpnsDatabase.SqliteFileName)))
        {
            return;
        }

        var options = new ServerOptions { DataDirectory = server };
        using var masterKey = MasterKey.Load(options, _ => null);
        var protector = new SecretProtector(masterKey);
        using var database = new CpnsDatabase(Microsoft.Extensions.Options.Options.Create(options), NullLogger<CpnsDatabase>.Instance);
        var db = database.CreateContext();
        await using (db)
        {
            var rows = await db.GroupKeys.AsNoTracking().Select(k => new { k.GroupId, k.Epoch, k.SealedKey }).ToListAsync(cancellationToken);
            foreach (var row in rows.Where(r => !keys.ContainsKey((r.GroupId, r.Epoch))))
            {
                var key = new byte[row.SealedKey.Length - SecretProtector.Overhead];
                if (!protector.TryOpenGroupKey(row.GroupId, row.Epoch, row.SealedKey, key))
                {
                    throw new CryptographicException($"The GK of group {row.GroupId} epoch {row.Epoch} does not open with master.key.");
                }

                keys[(row.GroupId, row.Epoch)] = key;
            }
        }
    }
}
