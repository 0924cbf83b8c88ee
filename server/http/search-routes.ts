import { Router } from 'express';
import { SearchQuery } from '../../shared/protocol/index.js';
import type { SearchService } from '../services/search-service.js';
import { claimsOf } from './authenticate.js';
import { parse } from './validate.js';

/** GET /search: full-text search over the caller's open rooms. */
export function searchRoutes(search: SearchService): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    res.json(await search.search(claimsOf(res).userId, parse(SearchQuery, req.query)));
  });
  return router;
}
