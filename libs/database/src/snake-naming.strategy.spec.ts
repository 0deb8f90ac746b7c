import { SnakeNamingStrategy } from './snake-naming.strategy';

describe('SnakeNamingStrategy', () => {
  const naming = new SnakeNamingStrategy();

  describe('tableName', () => {
    it.each([
      ['Deployment', 'deployment'],
      ['DeploymentStage', 'deployment_stage'],
      ['HTTPServer', 'http_server'],
    ])('names the table of class %s %s', (className, table) => {
      expect(naming.tableName(className, undefined)).toBe(table);
    });

    it('keeps a table name given explicitly', () => {
      expect(naming.tableName('DeploymentStage', 'stages_v2')).toBe('stages_v2');
    });
  });

  describe('columnName', () => {
    it.each([
      ['id', 'id'],
      ['createdAt', 'created_at'],
      ['targetNodeCount', 'target_node_count'],
      ['apiURL', 'api_url'],
      ['serverHTTPPort', 'server_http_port'],
      ['version2Name', 'version2_name'],
    ])('names the column of property %s %s', (property, column) => {
      expect(naming.columnName(property, undefined, [])).toBe(column);
    });

    it('keeps a column name given explicitly', () => {
      expect(naming.columnName('createdAt', 'inserted_on', [])).toBe('inserted_on');
    });

    it('prefixes columns of an embedded object with its snake_case property name', () => {
      expect(naming.columnName('postalCode', undefined, ['billingAddress'])).toBe(
        'billing_address_postal_code',
      );
    });

    it('joins the prefixes of nested embedded objects', () => {
      expect(naming.columnName('lat', undefined, ['homeAddress', 'geoPoint'])).toBe(
        'home_address_geo_point_lat',
      );
    });

    it('prefixes an explicit column name inside an embedded object', () => {
      expect(naming.columnName('postalCode', 'zip', ['billingAddress'])).toBe('billing_address_zip');
    });
  });

  describe('relations', () => {
    it('names a relation in snake_case', () => {
      expect(naming.relationName('targetCluster')).toBe('target_cluster');
    });

    it('names a join column after the relation and the referenced column', () => {
      expect(naming.joinColumnName('createdBy', 'id')).toBe('created_by_id');
      expect(naming.joinColumnName('targetCluster', 'clusterId')).toBe('target_cluster_cluster_id');
    });

    it('names a join table after both tables and the owning property', () => {
      expect(naming.joinTableName('deployment', 'node', 'targetNodes')).toBe('deployment_target_nodes_node');
    });

    it('flattens a property path of an embedded relation in the join table name', () => {
      expect(naming.joinTableName('deployment', 'node', 'rollout.targetNodes')).toBe(
        'deployment_rollout_target_nodes_node',
      );
    });

    it('names a join table column after the table and the column (or property)', () => {
      expect(naming.joinTableColumnName('deployment', 'id')).toBe('deployment_id');
      expect(naming.joinTableColumnName('deployment', 'id', 'deploymentId')).toBe('deployment_deployment_id');
    });
  });
});
