namespace ServerlessBackOffice.Infrastructure.Tests;

/// <summary>The security properties of the compiled infrastructure, per environment, read from the expanded ARM JSON.</summary>
public sealed class InfrastructureSecurityTests(CompiledInfrastructure infra)
{
    public static TheoryData<string> Environments => ["dev", "prod"];

    private IReadOnlyList<ExpandedResource> Of(string environment) => infra.Resources[environment];

    private static IReadOnlyList<ExpandedResource> OfType(IReadOnlyList<ExpandedResource> resources, string type) =>
        resources.Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase)).ToList();

    [Fact]
    public void BicepBuild_OfMainAndEveryParameterFile_SucceedsWithoutAWarning()
    {
        Assert.Equal(0, infra.MainBuild.ExitCode);
        Assert.DoesNotContain("Warning", infra.MainBuild.StandardError, StringComparison.Ordinal);
        foreach (var (name, build) in infra.ParamsBuilds)
        {
            Assert.True(build.ExitCode == 0, $"{name}: {build.StandardError}");
            Assert.DoesNotContain("Warning", build.StandardError, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void AppSettings_WhenDeployed_CarryNoKeyNoSecretAndNoConnectionStringWithCredentials(string environment)
    {
        var settings = AppSettings(environment);

        Assert.NotEmpty(settings);
        foreach (var (name, value) in settings)
        {
            var text = value?.ToString() ?? string.Empty;
            Assert.DoesNotMatch("(?i)(AccountKey=|SharedAccessKey|SharedAccessSignature|sig=|password|listKeys|listConnectionStrings|primaryKey|secondaryKey|masterKey)", text);
            Assert.DoesNotMatch("(?i)(password|secret$|key$)", name);
            // Application Insights takes a connection string, which holds no credential; the component refuses
            // local (key) authentication, asserted below.
            if (name != "APPLICATIONINSIGHTS_CONNECTION_STRING")
            {
                Assert.DoesNotMatch("(?i)connectionstring", name);
            }
        }
    }

    [Fact]
    public void Template_NeverReadsAKeyOrAConnectionString()
    {
        var json = infra.Template.ToJsonString();

        Assert.DoesNotMatch("(?i)\\b(listKeys|listConnectionStrings|listAccountSas|listServiceSas|listSecrets|listCredentials)\\(", json);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void AppSettings_WhenDeployed_UseIdentityBasedConnections(string environment)
    {
        var settings = AppSettings(environment);
        var topology = ServerlessBackOffice.Topology.TopologyDocument.Default;
        var serviceBus = topology.ServiceBus.NamespaceAppSetting;

        Assert.Contains($"{serviceBus}__fullyQualifiedNamespace", settings.Keys);
        Assert.Equal("managedidentity", settings[$"{serviceBus}__credential"]);
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.Contains("AzureWebJobsStorage__accountName", settings.Keys);
        Assert.Contains("CosmosConnection__accountEndpoint", settings.Keys);
        Assert.Contains("ArchiveStorage__blobServiceUri", settings.Keys);
        Assert.DoesNotContain("AzureWebJobsStorage", settings.Keys);
        Assert.Equal("Authorization=AAD", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]!.ToString()!.Split(';')[1]);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void ServiceBusAndCosmos_WhenDeployed_RefuseLocalKeyAuthentication(string environment)
    {
        var serviceBus = Assert.Single(OfType(Of(environment), "Microsoft.ServiceBus/namespaces"));
        var cosmos = Assert.Single(OfType(Of(environment), "Microsoft.DocumentDB/databaseAccounts"));
        var appInsights = Assert.Single(OfType(Of(environment), "Microsoft.Insights/components"));

        Assert.Equal(true, serviceBus.Get("properties.disableLocalAuth"));
        Assert.Equal("1.2", serviceBus.Get("properties.minimumTlsVersion"));
        Assert.Equal(true, cosmos.Get("properties.disableLocalAuth"));
        Assert.Equal(true, cosmos.Get("properties.disableKeyBasedMetadataWriteAccess"));
        Assert.Equal("Continuous", cosmos.Get("properties.backupPolicy.type"));
        Assert.Equal(true, appInsights.Get("properties.DisableLocalAuth"));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void StorageAccounts_WhenDeployed_RefuseSharedKeysAnonymousAccessAndOldTls(string environment)
    {
        var accounts = OfType(Of(environment), "Microsoft.Storage/storageAccounts");

        Assert.Equal(2, accounts.Count);
        Assert.All(accounts, account =>
        {
            Assert.Equal(false, account.Get("properties.allowSharedKeyAccess"));
            Assert.Equal(false, account.Get("properties.allowBlobPublicAccess"));
            Assert.Equal("TLS1_2", account.Get("properties.minimumTlsVersion"));
            Assert.Equal(true, account.Get("properties.supportsHttpsTrafficOnly"));
        });
        Assert.All(OfType(Of(environment), "Microsoft.Storage/storageAccounts/blobServices/containers"), c => Assert.Equal("None", c.Get("properties.publicAccess")));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void ImmutableContainers_WhenDeployed_HaveSevenYearsOfTimeBasedRetentionAndVersioning(string environment)
    {
        var topology = ServerlessBackOffice.Topology.TopologyDocument.Default;
        var policies = OfType(Of(environment), "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies");
        var immutable = topology.Blob.Containers.Where(c => c.Immutable).Select(c => c.Name).Order(StringComparer.Ordinal).ToList();

        Assert.NotEmpty(immutable);
        Assert.Equal(immutable, policies.Select(p => p.Name.Split('/')[^2]).Order(StringComparer.Ordinal).ToList());
        Assert.All(policies, p => Assert.Equal(2557L, p.Get("properties.immutabilityPeriodSinceCreationInDays")));
        var archiveBlobService = OfType(Of(environment), "Microsoft.Storage/storageAccounts/blobServices")
            .Single(s => s.Get("properties.isVersioningEnabled") is not null);
        Assert.Equal(true, archiveBlobService.Get("properties.isVersioningEnabled"));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void KeyVault_WhenDeployed_UsesRbacAndPurgeProtection(string environment)
    {
        var vault = Assert.Single(OfType(Of(environment), "Microsoft.KeyVault/vaults"));

        Assert.Equal(true, vault.Get("properties.enableRbacAuthorization"));
        Assert.Equal(true, vault.Get("properties.enablePurgeProtection"));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void FunctionApp_WhenDeployed_RunsDotnetIsolated10OnFlexConsumptionAsItsUserAssignedIdentity(string environment)
    {
        var plan = Assert.Single(OfType(Of(environment), "Microsoft.Web/serverfarms"));
        var app = Assert.Single(OfType(Of(environment), "Microsoft.Web/sites"));

        Assert.Equal("FlexConsumption", plan.Get("sku.tier"));
        Assert.Equal("dotnet-isolated", app.Get("properties.functionAppConfig.runtime.name"));
        Assert.Equal("10.0", app.Get("properties.functionAppConfig.runtime.version"));
        Assert.Equal("UserAssigned", app.Get("identity.type"));
        Assert.Equal("UserAssignedIdentity", app.Get("properties.functionAppConfig.deployment.storage.authentication.type"));
        Assert.Equal(true, app.Get("properties.httpsOnly"));
        Assert.All(OfType(Of(environment), "Microsoft.Web/sites/basicPublishingCredentialsPolicies"), p => Assert.Equal(false, p.Get("properties.allow")));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void AppServiceAuthentication_WhenDeployed_RequiresEntraTokensExceptForTheHealthProbe(string environment)
    {
        var auth = Assert.Single(OfType(Of(environment), "Microsoft.Web/sites/config"), c => c.Name.EndsWith("/authsettingsV2", StringComparison.Ordinal));

        Assert.Equal(true, auth.Get("properties.platform.enabled"));
        Assert.Equal(true, auth.Get("properties.globalValidation.requireAuthentication"));
        Assert.Equal("Return401", auth.Get("properties.globalValidation.unauthenticatedClientAction"));
        Assert.Equal(["/api/health"], (IReadOnlyList<object?>)auth.Get("properties.globalValidation.excludedPaths")!);
        Assert.Equal(true, auth.Get("properties.identityProviders.azureActiveDirectory.enabled"));
        Assert.Equal(CompiledInfrastructure.AuthClientId, auth.Get("properties.identityProviders.azureActiveDirectory.registration.clientId"));
        Assert.Null(auth.Get("properties.identityProviders.azureActiveDirectory.registration.clientSecretSettingName"));
    }

    [Fact]
    public void AppServiceAuthentication_WithoutAnAppRegistration_StillRefusesEveryUnauthenticatedRequest()
    {
        var auth = Assert.Single(OfType(infra.ResourcesWithoutPrincipals, "Microsoft.Web/sites/config"), c => c.Name.EndsWith("/authsettingsV2", StringComparison.Ordinal));

        Assert.Equal(true, auth.Get("properties.globalValidation.requireAuthentication"));
        Assert.Equal(false, auth.Get("properties.identityProviders.azureActiveDirectory.enabled"));
    }

    [Fact]
    public void PrivateNetworking_IsOffInDevAndOnInProd()
    {
        Assert.Equal(false, infra.Parameters["dev"]["enablePrivateNetworking"]);
        Assert.Equal(true, infra.Parameters["prod"]["enablePrivateNetworking"]);
        Assert.Empty(OfType(Of("dev"), "Microsoft.Network/privateEndpoints"));

        var endpoints = OfType(Of("prod"), "Microsoft.Network/privateEndpoints");
        Assert.Equal(5, endpoints.Count);
        foreach (var type in new[] { "Microsoft.ServiceBus/namespaces", "Microsoft.DocumentDB/databaseAccounts", "Microsoft.Storage/storageAccounts", "Microsoft.KeyVault/vaults" })
        {
            Assert.All(OfType(Of("prod"), type), r => Assert.Equal("Disabled", r.Get("properties.publicNetworkAccess")));
            Assert.All(OfType(Of("dev"), type), r => Assert.Equal("Enabled", r.Get("properties.publicNetworkAccess")));
        }

        var app = Assert.Single(OfType(Of("prod"), "Microsoft.Web/sites"));
        Assert.NotNull(app.Get("properties.virtualNetworkSubnetId"));
    }

    [Fact]
    public void Prod_UsesPremiumServiceBus_BecausePrivateEndpointsNeedIt()
    {
        var serviceBus = Assert.Single(OfType(Of("prod"), "Microsoft.ServiceBus/namespaces"));

        Assert.Equal("Premium", serviceBus.Get("sku.name"));
        Assert.Equal("Standard", Assert.Single(OfType(Of("dev"), "Microsoft.ServiceBus/namespaces")).Get("sku.name"));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void DiagnosticSettings_CoverEveryBackingServiceAndTheFunctionApp(string environment)
    {
        var scopes = OfType(Of(environment), "Microsoft.Insights/diagnosticSettings").Select(d => d.Scope ?? string.Empty).ToList();

        foreach (var type in new[] { "Microsoft.ServiceBus/namespaces", "Microsoft.DocumentDB/databaseAccounts", "Microsoft.KeyVault/vaults", "Microsoft.Web/sites", "blobServices" })
        {
            Assert.Contains(scopes, s => s.Contains(type, StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void AlertRules_CoverEveryRunbook(string environment)
    {
        var names = OfType(Of(environment), "Microsoft.Insights/scheduledQueryRules").Concat(OfType(Of(environment), "Microsoft.Insights/metricAlerts"))
            .Select(r => r.Name).ToList();
        var runbooks = Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "docs", "runbooks"), "*.md")
            .Select(Path.GetFileNameWithoutExtension).Where(n => n != "README").ToList();

        Assert.Equal(5, names.Count);
        Assert.Equal(names.Count, runbooks.Count);
        foreach (var runbook in runbooks)
        {
            Assert.Contains(names, n => n.EndsWith($"-{runbook}", StringComparison.Ordinal));
        }
    }

    private Dictionary<string, object?> AppSettings(string environment)
    {
        var app = Assert.Single(OfType(Of(environment), "Microsoft.Web/sites"));
        var list = (IReadOnlyList<object?>)app.Get("properties.siteConfig.appSettings")!;
        return list.Cast<IReadOnlyDictionary<string, object?>>().ToDictionary(s => (string)s["name"]!, s => s["value"], StringComparer.Ordinal);
    }
}
