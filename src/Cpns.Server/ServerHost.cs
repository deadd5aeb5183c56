using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Serialization;
using Cpns.Server.Api;
using Cpns.Server.Auth;
using Cpns.Server.Enrollment;
using Cpns.Server.Hosting;
using Cpns.Server.Mqtt;
using Cpns.Server.Secrets;
using Cpns.Server.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Cpns.Transport;

namespace Cpns.Server;

/// <summary>
/// A running CPNS Server: the REST API on Kestrel, the database (migrated on start) and the periodic rotation loop.
/// Start it with <see cref="StartAsync"/>; several instances may share one PostgreSQL database.
/// </summary>
public sealed class ServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ServerHost(WebApplication app, IReadOnlyList<Uri> addresses)
    {
        _app = app;
        Addresses = addresses;
    }

    /// <summary>The addresses Kestrel is bound to, with the real port when port 0 was asked for.</summary>
    public IReadOnlyList<Uri> Addresses { get; }

    /// <summary>
    /// The MQTT broker the server uses: the embedded broker's bound endpoint (the real port when port 0 was asked for),
    /// or the external broker of <see cref="ServerOptions.Broker"/>.
    /// </summary>
    public MqttBrokerEndpoint MqttEndpoint => _app.Services.GetRequiredService<GatewayLink>().AdvertisedEndpoint
        ?? throw new InvalidOperationException("MQTT is not started.");

    /// <summary>The host's services, for tests and the later MQTT delivery code in this assembly.</summary>
    internal IServiceProvider Services => _app.Services;

    /// <summary>
    /// Builds and starts a server: creates the data directory, loads or creates the master key, migrates the database,
    /// prints a bootstrap operator API key to <c>stdout</c> if none exists yet, and starts listening.
    /// </summary>
    /// <param name="options">The server's settings.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The started server; dispose it to stop.</returns>
    public static async Task<ServerHost> StartAsync(ServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.HttpUrls.Count == 0)
        {
            throw new ArgumentException("At least one HTTP URL is required.", nameof(options));
        }

        options.DataDirectory = DataDirectory.Ensure(options.DataDirectory);
        var app = Build(options);
        try
        {
            await app.Services.GetRequiredService<CpnsDatabase>().MigrateAsync(cancellationToken).ConfigureAwait(false);
            await BootstrapAsync(app.Services, options, cancellationToken).ConfigureAwait(false);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>()
            .Addresses.Select(a => new Uri(a)).ToList();
        return new ServerHost(app, addresses);
    }

    /// <summary>Starts a server and runs it until <paramref name="cancellationToken"/> is cancelled or the host is asked to stop.</summary>
    /// <param name="options">The server's settings.</param>
    /// <param name="cancellationToken">Stops the server.</param>
    /// <returns>A task that ends when the server has stopped.</returns>
    public static async Task RunAsync(ServerOptions options, CancellationToken cancellationToken = default)
    {
        var host = await StartAsync(options, cancellationToken).ConfigureAwait(false);
        await using (host.ConfigureAwait(false))
        {
            await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Creates an API key in the server's database (migrating it first if needed) and returns the key, which is stored
    /// only as a hash and cannot be shown again. Works whether or not a server is running on the same database.
    /// </summary>
    /// <param name="options">The server's settings (data directory or PostgreSQL connection string).</param>
    /// <param name="name">For <see cref="ApiKeyScope.Application"/>, the application's name (it owns the groups it creates); for an operator key, a label.</param>
    /// <param name="scope">What the key may manage.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The new API key.</returns>
    public static async Task<string> AddApiKeyAsync(ServerOptions options, string name, ApiKeyScope scope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Length > Validate.MaxNameLength)
        {
            throw new ArgumentException($"The name is longer than {Validate.MaxNameLength} characters.", nameof(name));
        }

        options.DataDirectory = DataDirectory.Ensure(options.DataDirectory);
        var services = new ServiceCollection().AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
            .AddCpnsCore(options)
            .BuildServiceProvider();
        await using (services.ConfigureAwait(false))
        {
            await services.GetRequiredService<CpnsDatabase>().MigrateAsync(cancellationToken).ConfigureAwait(false);
            return await services.GetRequiredService<ApiKeyService>().CreateAsync(name.Trim(), scope, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// For an external broker (Mosquitto, ...): loads or creates the server's CA (in the database, as on a first start)
    /// and writes to <paramref name="outputDirectory"/> <c>ca.crt</c> (the CA the broker must trust for client
    /// certificates), <c>broker.crt</c> and <c>broker.key</c> (a TLS certificate for the broker from that CA, SANs
    /// 127.0.0.1, ::1, localhost and <paramref name="names"/>; the key unencrypted, mode 0600, as brokers read it).
    /// </summary>
    /// <param name="options">The server's settings (data directory or PostgreSQL connection string, master key).</param>
    /// <param name="outputDirectory">Where to write the three PEM files; created if missing.</param>
    /// <param name="names">Further DNS names or IP addresses of the broker.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that ends when the files are written.</returns>
    public static async Task IssueBrokerCertificateAsync(ServerOptions options, string outputDirectory, IEnumerable<string> names, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        ArgumentNullException.ThrowIfNull(names);
        options.DataDirectory = DataDirectory.Ensure(options.DataDirectory);
        var services = new ServiceCollection().AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
            .AddCpnsCore(options)
            .AddSingleton(sp => MasterKey.Load(options))
            .AddSingleton<SecretProtector>()
            .AddSingleton<ServerCertificates>()
            .BuildServiceProvider();
        await using (services.ConfigureAwait(false))
        {
            await services.GetRequiredService<CpnsDatabase>().MigrateAsync(cancellationToken).ConfigureAwait(false);
            var certificates = services.GetRequiredService<ServerCertificates>();
            await certificates.InitializeAsync(cancellationToken).ConfigureAwait(false);
            Directory.CreateDirectory(outputDirectory);
            using var broker = certificates.Authority.IssueServerCertificate(names);
            using var key = broker.GetECDsaPrivateKey() ?? throw new InvalidOperationException("The broker certificate has no ECDSA key.");
            await File.WriteAllTextAsync(Path.Combine(outputDirectory, "ca.crt"), certificates.Authority.ExportCertificatePem(), cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(outputDirectory, "broker.crt"), broker.ExportCertificatePem() + "\n", cancellationToken).ConfigureAwait(false);
            var keyPath = Path.Combine(outputDirectory, "broker.key");
            File.Delete(keyPath);
            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            var stream = new FileStream(keyPath, fileOptions);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem() + "\n"), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Re-seals every secret at rest (GKs, per-gateway keys, the server CA key, the self-made HTTPS certificate) under a
    /// new random master key, in one database transaction. Every server instance on the database must be stopped.
    /// With the key in <c>DATA/master.key</c> the file is replaced; with <see cref="ServerOptions.MasterKey"/> or
    /// <c>CPNS_MASTER_KEY</c>, the new key is written (base64, mode 0600) to <paramref name="newKeyOutput"/> and the
    /// operator gives it to every instance. After a crash, running it again finishes the rotation.
    /// </summary>
    /// <param name="options">The server's settings: database and current master key.</param>
    /// <param name="newKeyOutput">Where to write the new key when the current one does not come from <c>master.key</c>.</param>
    /// <param name="cancellationToken">Gives up before the commit.</param>
    /// <returns>How many group keys and gateway keys were re-sealed.</returns>
    /// <exception cref="InvalidOperationException">The current key does not open the secrets, or no output for the new key was given.</exception>
    public static Task<(int GroupKeys, int GatewayKeys)> RotateMasterKeyAsync(ServerOptions options, string? newKeyOutput, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.DataDirectory = DataDirectory.Ensure(options.DataDirectory);
        return MasterKeyRotation.RotateAsync(options, newKeyOutput, cancellationToken);
    }

    /// <summary>Waits until the host is asked to stop (SIGTERM, <see cref="StopAsync"/>) or <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>A task that ends when the host is stopping.</returns>
    public async Task WaitForShutdownAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancellation is how a caller stops the server, not an error.
        }
    }

    /// <summary>Stops listening and waits for requests in flight and the background loops.</summary>
    /// <param name="cancellationToken">Makes the stop less graceful.</param>
    /// <returns>A task that ends when the server has stopped.</returns>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    /// <summary>Stops the server and releases its resources (the master key is wiped from memory).</summary>
    /// <returns>A task that ends when everything is released.</returns>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static WebApplication Build(ServerOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(ServerHost).Assembly.GetName().Name,
            ContentRootPath = options.DataDirectory,
        });
        builder.Services.AddCpnsServer(options);

        // Framework request chatter drowns the server's own events; keep it at warnings.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        options.ConfigureLogging?.Invoke(builder.Logging);
        builder.WebHost.UseUrls([.. options.HttpUrls]);
        if (options.HttpUrls.Any(u => u.StartsWith("https:", StringComparison.OrdinalIgnoreCase)))
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel((context, kestrel) => kestrel.ConfigureHttpsDefaults(https =>
            {
                https.ServerCertificate = HttpsCertificate.Load(options, kestrel.ApplicationServices.GetRequiredService<MasterKey>());

                // TLS 1.2 and 1.3 only, whatever the OS would allow (docs/security.md); 1.3 is preferred by the handshake itself.
                https.SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13;
            }));
        }

        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(GatewayEndpoints.OperatorPolicy, p => p.RequireClaim(Caller.ScopeClaim, nameof(ApiKeyScope.Operator)));
        builder.Services.AddOpenApi();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapOpenApi().AllowAnonymous();

        // The interactive page for the document above, served from the package's embedded assets (no CDN): /swagger.
        app.UseSwaggerUI(ui =>
        {
            ui.SwaggerEndpoint("/openapi/v1.json", "CPNS Server");
            ui.DocumentTitle = "CPNS Server REST API";
        });
        HealthEndpoints.Map(app);
        GatewayEndpoints.MapEnrollment(app);
        var api = app.MapGroup("").RequireAuthorization();
        GroupEndpoints.Map(api);
        GatewayEndpoints.Map(api);
        return app;
    }

    private static async Task BootstrapAsync(IServiceProvider services, ServerOptions options, CancellationToken cancellationToken)
    {
        var key = await services.GetRequiredService<ApiKeyService>().TryCreateBootstrapKeyAsync(cancellationToken).ConfigureAwait(false);
        if (key is not null)
        {
            // Printed once, to stdout only: an ILogger sink may ship it off the machine.
            await options.BootstrapOutput.WriteLineAsync($"CPNS operator API key (shown once, store it now): {key}").ConfigureAwait(false);
            await options.BootstrapOutput.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
