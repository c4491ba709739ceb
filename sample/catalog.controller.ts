import { Controller, Get, Param } from '@nestjs/common';

/** No @Cors(): the global policy from CorsModule.forRoot() applies. */
@Controller('catalog')
export class CatalogController {
  @Get()
  list() {
    return [{ id: 1, name: 'Teapot' }];
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return { id: Number(id), name: 'Teapot' };
  }
}
