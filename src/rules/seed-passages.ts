// Titles of the Microsoft articles the rules enforce. The quotes themselves live in each rule, copied verbatim,
// so the product does not depend on the seed files at run time.
export const SEED_CONNECT_APP = "Connect your application to Azure SQL Database Managed Instance";
export const SEED_PUBLIC_ENDPOINT = "Use an Azure SQL Database managed instance securely with public endpoints";
export const SEED_APP_VNET_INTEGRATION = "Integrate your app with an Azure Virtual Network";
export const SEED_MANAGED_IDENTITY =
  "Tutorial: Connect to Azure databases from App Service without secrets using a managed identity";
export const SEED_ASE_BACKEND = "Connect securely to back end resources from an App Service environment";
