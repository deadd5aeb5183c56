using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Cpns.Server.Secrets;
using Cpns.Server.Storage;
using Cpns.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cpns.Server.Tests.Secrets;

public sealed class MasterKeyRotationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rotate_KeyInDataDirectory_EverySecretOpensUnderTheNewKeyOnlyAndTheServerServesAgain()
    {
        var directory = TestServer.NewPath();
        Guid group;
        string operatorKey;
        await using (var server = await TestServer.StartAsync(dataDirectory: directory))
        {
            operatorKey = server.OperatorKey;
            await server.RegisterPneAsync("gw-a", "watch");
            group = (await server.CreateGroupAsync()).GetProperty("id").GetGuid();
            await server.AddMemberAsync(group, "gw-a", "watch");
            Assert.True((await server.Client.PostAsync($"/groups/{group}/rotate", null, Ct)).IsSuccessStatusCode);
            var token = await (await server.Client.PostAsJsonAsync("/gateways/enrollments", new { gatewayId = "gw-a" }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
            var enroll = await server.CreateClient(null).PostAsJsonAsync("/gateways/enroll", new { token = token.GetProperty("token").GetString(), csr = Csr() }, Ct);
            Assert.True(enroll.IsSuccessStatusCode);
        }

        var options = new ServerOptions { DataDirectory = directory };
        var oldKey = await File.ReadAllBytesAsync(Path.Combine(directory, MasterKey.FileName), Ct);
        var before = await OpenAllAsync(options, oldKey);
        Assert.Equal(2, before.GroupKeys.Count);
        Assert.Single(before.GatewayKeys);

        var (groupKeys, gatewayKeys) = await ServerHost.RotateMasterKeyAsync(options, newKeyOutput: null, Ct);

        Assert.Equal((2, 1), (groupKeys, gatewayKeys));
        var newKey = await File.ReadAllBytesAsync(Path.Combine(directory, MasterKey.FileName), Ct);
        Assert.NotEqual(oldKey, newKey);
        Assert.False(File.Exists(Path.Combine(directory, MasterKeyRotation.PendingFileName)));
        var after = await OpenAllAsync(options, newKey);
        Assert.Equal(before.GroupKeys, after.GroupKeys);
        Assert.Equal(before.GatewayKeys, after.GatewayKeys);
        Assert.Empty((await OpenAllAsync(options, oldKey)).GroupKeys);

        // The server starts on the new key (the CA key opens) and goes on issuing epochs.
        await using var restarted = await TestServer.StartAsync(dataDirectory: directory, operatorKey: operatorKey);
        var rotated = await (await restarted.Client.PostAsync($"/groups/{group}/rotate", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(3, rotated.GetProperty("epoch").GetInt64());
    }

    [Fact]
    public async Task Rotate_InterruptedBeforeTheCommit_ServerRefusesToStartAndASecondRunFinishes()
    {
        var directory = TestServer.NewPath();
        string operatorKey;
        await using (var server = await TestServer.StartAsync(dataDirectory: directory))
        {
            operatorKey = server.OperatorKey;
            await server.CreateGroupAsync();
        }

        // A crash after the new key was written and before the transaction: master.key.new is there, the rows are not changed.
        var pending = Path.Combine(directory, MasterKeyRotation.PendingFileName);
        await File.WriteAllBytesAsync(pending, RandomNumberGenerator.GetBytes(MasterKey.Length), Ct);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => TestServer.StartAsync(dataDirectory: directory, operatorKey: operatorKey));
        Assert.Contains("rotate-master-key", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(await File.ReadAllBytesAsync(pending, Ct)), refused.Message, StringComparison.Ordinal);

        var expected = await File.ReadAllBytesAsync(pending, Ct);
        await ServerHost.RotateMasterKeyAsync(new ServerOptions { DataDirectory = directory }, null, Ct);

        Assert.Equal(expected, await File.ReadAllBytesAsync(Path.Combine(directory, MasterKey.FileName), Ct));
        Assert.Single((await OpenAllAsync(new ServerOptions { DataDirectory = directory }, expected)).GroupKeys);
        await using var restarted = await TestServer.StartAsync(dataDirectory: directory, operatorKey: operatorKey);
        Assert.True((await restarted.Client.GetAsync("/groups", Ct)).IsSuccessStatusCode);
    }

    [Fact]
    public async Task Rotate_KeyFromTheEnvironmentWithoutAnOutputFile_RefusedAndNothingChanges()
    {
        var directory = TestServer.NewPath();
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using (var server = await TestServer.StartAsync(dataDirectory: directory, masterKey: key))
        {
            await server.CreateGroupAsync();
        }

        var options = new ServerOptions { DataDirectory = directory, MasterKey = key };
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerHost.RotateMasterKeyAsync(options, null, Ct));
        Assert.Contains("--new-key-out", refused.Message, StringComparison.Ordinal);
        Assert.Single((await OpenAllAsync(options, Convert.FromBase64String(key))).GroupKeys);

        var output = Path.Combine(directory, "new.key");
        await ServerHost.RotateMasterKeyAsync(options, output, Ct);
        var newKey = Convert.FromBase64String((await File.ReadAllTextAsync(output, Ct)).Trim());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(output));
        }

        Assert.Single((await OpenAllAsync(options, newKey)).GroupKeys);
        Assert.Empty((await OpenAllAsync(options, Convert.FromBase64String(key))).GroupKeys);
    }

    private static string Csr()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return Convert.ToBase64String(new CertificateRequest("CN=gw-a", key, HashAlgorithmName.SHA256).CreateSigningRequest());
    }

    /// <summary>Every GK and gateway key that opens under <paramref name="key"/>, as base64 of the plaintext.</summary>
    private static async Task<(List<string> GroupKeys, List<string> GatewayKeys)> OpenAllAsync(ServerOptions options, byte[] key)
    {
        using var master = MasterKey.FromBytes(key);
        var protector = new SecretProtector(master);
        var database = new CpnsDatabase(Microsoft.Extensions.Options.Options.Create(options), NullLogger<CpnsDatabase>.Instance);
        await using var db = database.CreateContext();
        var buffer = new byte[64];
        var groupKeys = new List<string>();
        foreach (var row in await db.GroupKeys.AsNoTracking().OrderBy(k => k.Epoch).ToListAsync(Ct))
        {
            if (protector.TryOpenGroupKey(row.GroupId, row.Epoch, row.SealedKey, buffer))
            {
                groupKeys.Add(Convert.ToBase64String(buffer, 0, row.SealedKey.Length - SecretProtector.Overhead));
            }
        }

        var gatewayKeys = new List<string>();
        foreach (var row in await db.Gateways.AsNoTracking().Where(g => g.SealedKey != null).ToListAsync(Ct))
        {
            if (protector.TryOpenGatewayKey(row.Id, row.SealedKey!, buffer))
            {
                gatewayKeys.Add(Convert.ToBase64String(buffer, 0, row.SealedKey!.Length - SecretProtector.Overhead));
            }
        }

        return (groupKeys, gatewayKeys);
    }
}
