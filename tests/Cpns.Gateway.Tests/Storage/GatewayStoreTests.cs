using Cpns.Crypto;
using Cpns.Gateway.Storage;
using Cpns.Gateway.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Cpns.Gateway.Tests.Storage;

public sealed class GatewayStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OpenAsync_NewDataDirectory_CreatesKeyFile0600AndDatabase()
    {
        await using var gw = await GatewayHarness.StartAsync();

        var keyPath = Path.Combine(gw.Options.DataDirectory, MasterKeyFile.FileName);
        Assert.Equal(32, new FileInfo(keyPath).Length);
        Assert.True(File.Exists(Path.Combine(gw.Options.DataDirectory, GatewayStore.DatabaseFileName)));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
        }
    }

    [Fact]
    public async Task DisposeAsync_OperationsInFlightOrQueued_FinishFirstAndLaterOnesAreRefused()
    {
        await using var gw = await GatewayHarness.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = gw.Store.RunAsync(
            async db =>
            {
                await release.Task;
                return await db.Pnes.CountAsync(Ct); // the connection is still open under it
            },
            Ct);
        var queued = gw.Store.RunAsync(db => db.Pnes.CountAsync(Ct), Ct);

        var closing = gw.Store.DisposeAsync().AsTask();
        var afterClose = gw.Store.RunAsync(db => db.Pnes.CountAsync(Ct), Ct);
        await Task.Delay(100, Ct);
        Assert.False(closing.IsCompleted);
        release.SetResult();

        Assert.Equal(0, await inFlight);
        Assert.Equal(0, await queued);
        await closing;
        await Assert.ThrowsAsync<ObjectDisposedException>(() => afterClose);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => gw.Store.RunAsync(db => db.Pnes.CountAsync(Ct), Ct));
    }

    [Fact]
    public async Task Queries_ListOfPneIds_GoInAsOneJsonParameterSoTheSqlDoesNotDependOnTheCount()
    {
        await using var gw = await GatewayHarness.StartAsync();
        string[] two = ["pne-a", "pne-b"];
        string[] three = ["pne-a", "pne-b", "pne-c"];

        var (sqlTwo, sqlThree) = await gw.Store.RunAsync(
            db => Task.FromResult((
                db.Pnes.Where(p => two.Contains(p.PneId)).ToQueryString(),
                db.Pnes.Where(p => three.Contains(p.PneId)).ToQueryString())),
            Ct);

        // ToQueryString starts with the parameters' values; the statement follows the blank line.
        static string Statement(string sql) => sql[(sql.IndexOf("\n\n", StringComparison.Ordinal) + 2)..];
        Assert.Contains("json_each(@two)", Statement(sqlTwo), StringComparison.Ordinal);
        Assert.Equal(Statement(sqlTwo).Replace("@two", "@three", StringComparison.Ordinal), Statement(sqlThree));
    }

    [Theory]
    [InlineData(UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.GroupWrite | UnixFileMode.OtherExecute)]
    public async Task OpenAsync_KeyFileModeWiderThan0600_RefusedWithClearError(UnixFileMode extra)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes only.");
            return;
        }

        await using var gw = await GatewayHarness.StartAsync();
        gw.Store.Dispose();
        var keyPath = Path.Combine(gw.Options.DataDirectory, MasterKeyFile.FileName);
        File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | extra);

        var error = await Assert.ThrowsAsync<GatewayStartupException>(() => GatewayStore.OpenAsync(gw.Options, cancellationToken: Ct));

        Assert.Contains("wider than 0600", error.Message, StringComparison.Ordinal);
        Assert.Contains("chmod 600", error.Message, StringComparison.Ordinal);
        File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        (await GatewayStore.OpenAsync(gw.Options, cancellationToken: Ct)).Dispose();
    }

    [Fact]
    public async Task OpenAsync_KeyFileWrongSize_Refused()
    {
        using var dir = new TempDirectory();
        var keyPath = Path.Combine(dir.Path, MasterKeyFile.FileName);
        File.WriteAllBytes(keyPath, new byte[31]);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var error = await Assert.ThrowsAsync<GatewayStartupException>(() => GatewayStore.OpenAsync(new GatewayOptions { DataDirectory = dir.Path }, cancellationToken: Ct));

        Assert.Contains("exactly 32 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_DatabaseWithoutItsKeyFile_Refused()
    {
        await using var gw = await GatewayHarness.StartAsync();
        gw.Store.Dispose();
        File.Delete(Path.Combine(gw.Options.DataDirectory, MasterKeyFile.FileName));

        var error = await Assert.ThrowsAsync<GatewayStartupException>(() => GatewayStore.OpenAsync(gw.Options, cancellationToken: Ct));

        Assert.Contains("was missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_AnotherMasterKey_RefusedCorruptState()
    {
        await using var gw = await GatewayHarness.StartAsync();
        gw.Store.Dispose();
        await File.WriteAllBytesAsync(Path.Combine(gw.Options.DataDirectory, MasterKeyFile.FileName), new byte[32], Ct);

        var error = await Assert.ThrowsAsync<GatewayStartupException>(() => GatewayStore.OpenAsync(gw.Options, cancellationToken: Ct));

        Assert.Contains("cannot be opened with the local master key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InitializeIdentity_OtherIds_Refused()
    {
        await using var gw = await GatewayHarness.StartAsync();

        await gw.Store.InitializeIdentityAsync(GatewayHarness.GatewayId, GatewayHarness.PnId, Ct);
        await Assert.ThrowsAsync<InvalidOperationException>(() => gw.Store.InitializeIdentityAsync("gw-other", GatewayHarness.PnId, Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(() => gw.Store.InitializeIdentityAsync(GatewayHarness.GatewayId, "pn-other", Ct));
    }

    [Fact]
    public async Task Database_AfterPairingGkdkAndDelivery_HoldsNoSecretInClear()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var b = await gw.PairWithGkdkAsync("b");
        using var gk = GroupKey.Create("g", 1);
        await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "a", "b"), Ct);
        var root = await gw.Store.RunAsync(async db => (await gw.Store.GetKeyMaterialAsync(db, Ct))!.Export()[4..], Ct);
        var secrets = new List<(string Name, byte[] Bytes)>
        {
            ("key material root", root),
            ("group key", Export(gk)),
            ("EU-Key a", Export(a.EuKey)),
            ("EU-Key b", Export(b.EuKey)),
            ("per-gateway key", gw.GatewayKeyBytes),
        };
        gw.Store.Dispose();

        var files = Directory.GetFiles(gw.Options.DataDirectory, GatewayStore.DatabaseFileName + "*");
        Assert.Contains(files, f => f.EndsWith(GatewayStore.DatabaseFileName, StringComparison.Ordinal));
        var contents = files.Select(File.ReadAllBytes).ToList();
        Assert.True(contents.Sum(c => c.Length) > 4096);
        foreach (var (name, bytes) in secrets)
        {
            Assert.Equal(32, bytes.Length);
            // Half a key is already too much to leak: look for any 16-byte window.
            for (var offset = 0; offset <= 16; offset += 16)
            {
                var window = bytes.AsSpan(offset, 16).ToArray();
                Assert.False(contents.Any(c => c.AsSpan().IndexOf(window) >= 0), $"{name} found in clear in the database.");
            }
        }

        // The scan can fail: the public broadcast nonce, stored in clear by design, is found.
        var nonce = (await ReopenBroadcastNonce(gw)).ToArray();
        Assert.Contains(contents, c => c.AsSpan().IndexOf(nonce) >= 0);
    }

    private static async Task<ReadOnlyMemory<byte>> ReopenBroadcastNonce(GatewayHarness gw)
    {
        await gw.RestartAsync();
        return (await gw.Delivery.GetLatestBroadcastAsync("g", Ct))!.Nonce;
    }

    private static byte[] Export(GroupKey key)
    {
        var bytes = new byte[32];
        key.ExportKey(bytes);
        return bytes;
    }

    private static byte[] Export(WrappingKey key)
    {
        var bytes = new byte[32];
        key.Export(bytes);
        return bytes;
    }
}
